// Loading a model from bad files: a corrupt or truncated safetensors file, a missing tensor, a
// shape that disagrees with config.json, a config without "architectures" or with an unsupported
// one, a missing shard. Each must be one clear lighteval::Error (one line, naming the file or the
// tensor and what to do), never a crash. Also: the loader takes in-memory inputs (config text and
// safetensors bytes), the path the model_config fuzz target uses, with the same result as from disk.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "common/test_support.h"
#include "engine/cpu_backend.h"
#include "formats/safetensors.h"
#include "model/model_config.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::model {
namespace {

namespace fs = std::filesystem;
using testing::fixtures_dir;

fs::path fixture(const std::string& name) { return fixtures_dir() / "models" / name; }

// A safetensors file split into its header (JSON) and data bytes, and written back.
struct Parts {
  Json header;
  std::string data;
};

Parts split(const std::string& bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return {Json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
}

std::string join(const Parts& p) {
  std::string head = p.header.dump();
  head.append((8 - head.size() % 8) % 8, ' ');
  const uint64_t n = head.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + head + p.data;
}

// A model directory in a temp dir: the fixture's config (edited by the caller) and `weights`.
fs::path model_dir(const std::string& tag, const Json& config, const std::string& weights) {
  const fs::path dir = testing::temp_dir("model_load_" + tag);
  std::ofstream(dir / "config.json") << config.dump();
  std::ofstream(dir / "model.safetensors", std::ios::binary) << weights;
  return dir;
}

std::string load_error(const fs::path& dir) {
  engine::CpuBackend be(1);
  try {
    load_transformer(dir.string(), be);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    return msg;
  }
  return "";
}

class LoadErrors : public ::testing::Test {
 protected:
  Json config = Json::parse(testing::read_file(fixture("gpt2") / "config.json"));
  std::string weights = testing::read_file(fixture("gpt2") / "model.safetensors");
};

TEST_F(LoadErrors, GoodFilesLoad) { EXPECT_EQ(load_error(model_dir("good", config, weights)), ""); }

TEST_F(LoadErrors, TruncatedSafetensors) {
  for (size_t keep : {size_t{0}, size_t{5}, size_t{100}, weights.size() / 2, weights.size() - 1}) {
    const std::string e = load_error(model_dir("truncated", config, weights.substr(0, keep)));
    EXPECT_NE(e.find("model.safetensors"), std::string::npos) << keep << ": " << e;
  }
}

TEST_F(LoadErrors, CorruptHeader) {
  std::string bad = weights;
  bad[12] = '\x01';  // inside the JSON header
  EXPECT_NE(load_error(model_dir("corrupt_json", config, bad)).find("model.safetensors"), std::string::npos);
  Parts p = split(weights);
  p.header["transformer.wte.weight"]["dtype"] = "F33";
  EXPECT_NE(load_error(model_dir("corrupt_dtype", config, join(p))).find("F33"), std::string::npos);
  p = split(weights);
  p.header["transformer.wte.weight"]["data_offsets"] = {0, 1 << 30};
  EXPECT_NE(load_error(model_dir("corrupt_offsets", config, join(p))), "");
}

TEST_F(LoadErrors, MissingTensorIsNamed) {
  Parts p = split(weights);
  p.header["transformer.h.1.mlp.c_fc.weight_renamed"] = p.header["transformer.h.1.mlp.c_fc.weight"];
  p.header.erase("transformer.h.1.mlp.c_fc.weight");
  const std::string e = load_error(model_dir("missing", config, join(p)));
  EXPECT_NE(e.find("h.1.mlp.c_fc.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("missing"), std::string::npos) << e;
}

TEST_F(LoadErrors, ShapeMismatchNamesTensorAndShapes) {
  Json c = config;
  c["n_inner"] = 2 * c["n_embd"].get<int>() + 8;  // the checkpoint's MLP is 4 * n_embd wide
  const std::string e = load_error(model_dir("shape", c, weights));
  EXPECT_NE(e.find("mlp.c_fc"), std::string::npos) << e;
  EXPECT_NE(e.find("shape"), std::string::npos) << e;
  Json v = config;
  v["vocab_size"] = v["vocab_size"].get<int>() + 1;
  EXPECT_NE(load_error(model_dir("vocab", v, weights)).find("wte"), std::string::npos);
}

TEST_F(LoadErrors, ConfigProblems) {
  Json c = config;
  c.erase("architectures");
  std::string e = load_error(model_dir("noarch", c, weights));
  EXPECT_NE(e.find("architectures"), std::string::npos) << e;
  EXPECT_NE(e.find("GPT2LMHeadModel"), std::string::npos) << e;
  c["architectures"] = {"FalconForCausalLM"};
  e = load_error(model_dir("unsupported", c, weights));
  EXPECT_NE(e.find("FalconForCausalLM"), std::string::npos) << e;
  for (const auto& a : supported_architectures()) EXPECT_NE(e.find(a), std::string::npos) << a << ": " << e;
  const fs::path dir = model_dir("notjson", config, weights);
  std::ofstream(dir / "config.json") << "{\"architectures\": [";
  EXPECT_NE(load_error(dir).find("not valid JSON"), std::string::npos);
  fs::remove(dir / "config.json");
  EXPECT_NE(load_error(dir).find("config.json"), std::string::npos);
  c = config;
  c["n_head"] = 5;  // n_embd is not a multiple
  EXPECT_NE(load_error(model_dir("heads", c, weights)).find("n_head"), std::string::npos);
  c = config;
  c["tie_word_embeddings"] = false;  // but the checkpoint has no lm_head.weight
  EXPECT_NE(load_error(model_dir("untied", c, weights)).find("lm_head.weight"), std::string::npos);
}

TEST_F(LoadErrors, MissingFilesAndShards) {
  const fs::path dir = model_dir("noweights", config, weights);
  fs::remove(dir / "model.safetensors");
  EXPECT_NE(load_error(dir).find("no model.safetensors"), std::string::npos);
  // A sharded checkpoint whose index names a shard that is not there.
  Json index = {{"metadata", Json::object()},
                {"weight_map", {{"transformer.wte.weight", "model-00001-of-00002.safetensors"},
                                {"transformer.wpe.weight", "model-00002-of-00002.safetensors"}}}};
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  std::ofstream(dir / "model-00001-of-00002.safetensors", std::ios::binary) << weights;
  const std::string e = load_error(dir);
  EXPECT_NE(e.find("model-00002-of-00002.safetensors"), std::string::npos) << e;
}

TEST(LoadFromMemory, SameModelAsFromDisk) {
  // What the fuzz target does: config text and safetensors bytes, no files.
  for (const char* name : {"gpt2", "qwen2"}) {
    const std::string text = testing::read_file(fixture(name) / "config.json");
    const std::string bytes = testing::read_file(fixture(name) / "model.safetensors");
    const ModelConfig cfg = parse_model_config(Json::parse(text), "memory/config.json");
    const auto ckpt =
        formats::SafetensorsCheckpoint::from_files({formats::SafetensorsFile::from_bytes(bytes, "memory.safetensors")});
    engine::CpuBackend be(1);
    Transformer mem(cfg, be, ckpt);
    auto disk = load_transformer(fixture(name).string(), be);
    engine::ForwardBatch b;
    b.tokens = {3, 1, 4, 1, 5};
    b.positions = {0, 1, 2, 3, 4};
    b.kv_rows = b.positions;
    b.output_rows = {0, 4};
    b.segments.push_back({0, 5, 0, {}});
    engine::KvCache kv(be, mem.n_layers(), 5, mem.kv_dim(), true);
    engine::DeviceBuffer la, lb;
    mem.forward(b, kv, la);
    disk->forward(b, kv, lb);
    for (size_t i = 0; i < 2u * mem.vocab_size(); ++i) ASSERT_EQ(la.get()[i], lb.get()[i]) << name << " " << i;
    // A corrupt buffer: one clear error from the in-memory reader too.
    EXPECT_THROW(formats::SafetensorsFile::from_bytes(bytes.substr(0, 20), "memory.safetensors"), Error);
  }
}

}  // namespace
}  // namespace lighteval::model
