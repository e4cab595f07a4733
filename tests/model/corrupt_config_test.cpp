// Regression tests for what the model_config fuzz target (fuzz/model_config_fuzzer.cpp) found: a
// corrupt config.json paired with a valid checkpoint must give one clear lighteval::Error before
// any allocation sized from the config, and never undefined behaviour.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "engine/backend.h"
#include "formats/safetensors.h"
#include "model/model_config.h"
#include "model/transformer.h"
#include "common/test_support.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::model {
namespace {

namespace fs = std::filesystem;
using testing::fixtures_dir;

Json fixture_config(const std::string& name) {
  std::ifstream in(fixtures_dir() / "models" / name / "config.json");
  return Json::parse(in);
}

// The message of the Error that building the model throws ("" if none is thrown).
std::string load_error(const Json& config, const std::string& name) {
  const ModelConfig cfg = parse_model_config(config, name + "/config.json");
  const auto weights = formats::SafetensorsCheckpoint::open_directory(fixtures_dir() / "models" / name);
  auto backend = engine::make_backend("cpu", 1);
  try {
    Transformer model(cfg, *backend, weights);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// vocab_size x hidden_size of 2^24 x 2^24 floats is 1 PiB: the loader used to allocate the embedding
// buffer before checking the checkpoint's tensor shape (ASan: allocation-size-too-big; without ASan
// a failed aligned_alloc written through).
TEST(CorruptConfig, HugeShapesGiveShapeMismatchNotAllocation) {
  Json config = fixture_config("llama_tied");
  config["vocab_size"] = 1 << 24;
  config["hidden_size"] = 1 << 24;
  config["head_dim"] = 8;
  const std::string msg = load_error(config, "llama_tied");
  EXPECT_NE(msg.find("model.embed_tokens.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[256, 32]"), std::string::npos) << msg;
}

// intermediate_size only sizes the stacked gate/up buffer of the CPU path: same rule there.
TEST(CorruptConfig, HugeIntermediateSizeGivesShapeMismatch) {
  Json config = fixture_config("llama_tied");
  config["intermediate_size"] = 1 << 24;
  const std::string msg = load_error(config, "llama_tied");
  EXPECT_NE(msg.find("mlp.gate_proj.weight"), std::string::npos) << msg;
}

TEST(CorruptConfig, GoodConfigStillLoads) {
  EXPECT_EQ(load_error(fixture_config("llama_tied"), "llama_tied"), "");
  EXPECT_EQ(load_error(fixture_config("gpt2"), "gpt2"), "");
}

// original_max_position_embeddings was cast to int unchecked (1e300: undefined behaviour, UBSan).
// With rope_type linear nothing else looked at the value, so it went through silently.
TEST(CorruptConfig, RopeOriginalMaxPositionsOutOfRange) {
  Json config = fixture_config("llama3_rope");
  ASSERT_TRUE(config.contains("rope_parameters"));
  for (const char* type : {"llama3", "linear"}) {
    config["rope_parameters"]["rope_type"] = type;
    for (double bad : {1e300, -5.0, 3e9}) {
      config["rope_parameters"]["original_max_position_embeddings"] = bad;
      EXPECT_THROW(parse_model_config(config, "config.json"), Error) << type << " " << bad;
    }
    config["rope_parameters"]["original_max_position_embeddings"] = 8192;
    EXPECT_NO_THROW(parse_model_config(config, "config.json")) << type;
  }
}

}  // namespace
}  // namespace lighteval::model
