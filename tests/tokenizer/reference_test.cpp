// Token ids and decoded text against Hugging Face tokenizers / sentencepiece, on the 22,794-line
// corpus of tests/fixtures/tokenizer (shared datasets' text + Unicode edge cases + invalid UTF-8).
// Expected values come from scripts/fixtures/make_tokenizer_refs.py run with the Python libraries.
#include <gtest/gtest.h>

#include <filesystem>

#include "fixture_io.h"
#include "common/test_support.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;
using lighteval::Json;
using lighteval::tokenizer::Tokenizer;
namespace tt = lighteval::tokenizer::testing;

namespace {

fs::path tok_fixtures() { return lighteval::testing::fixtures_dir() / "tokenizer"; }

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> c = tt::read_corpus(tok_fixtures() / "corpus.bin.gz");
  return c;
}

std::string b64decode(const std::string& s) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : s) {
    size_t p = chars.find(c);
    if (p == std::string::npos) continue;
    val = (val << 6) | static_cast<int>(p);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string show(const std::string& s) {
  std::string o;
  for (unsigned char c : s.substr(0, 120)) {
    if (c < 0x20 || c == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    } else {
      o.push_back(static_cast<char>(c));
    }
  }
  return o;
}

std::string show_ids(const std::vector<int32_t>& ids) {
  std::string o;
  for (size_t i = 0; i < ids.size() && i < 40; ++i) o += std::to_string(ids[i]) + " ";
  return o;
}

void check_reference(const std::string& name) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json doc = Json::parse(tt::read_gzip(tok_fixtures() / "refs" / (name + ".json.gz")));
  const auto& lines = corpus();
  ASSERT_EQ(doc["lines"].get<size_t>(), lines.size()) << "corpus and reference disagree in size";
  fs::path assets = lighteval::testing::assets_dir();
  std::string source = doc["source"].get<std::string>();
  std::unique_ptr<Tokenizer> tok;
  if (source == "directory") {
    tok = Tokenizer::from_directory(assets / doc["path"].get<std::string>());
  } else if (source == "sentencepiece") {
    // The same directory without tokenizer.json, so that tokenizer.model is used.
    fs::path dir = lighteval::testing::temp_dir("spm");
    fs::path src = assets / doc["path"].get<std::string>();
    fs::copy_file(src / "tokenizer.model", dir / "tokenizer.model");
    fs::copy_file(src / "tokenizer_config.json", dir / "tokenizer_config.json");
    tok = Tokenizer::from_directory(dir);
  } else {
    tok = tt::load_variant(tok_fixtures() / "variants" / (doc["path"].get<std::string>() + ".json"), assets);
  }
  bool add_special = doc["add_special_tokens"].get<bool>();
  bool skip_special = doc.value("skip_special_tokens", false);

  auto ids = tok->encode_batch(lines, add_special);
  // Full ids and text for the sampled lines.
  for (const auto& s : doc["samples"]) {
    size_t i = s["line"].get<size_t>();
    auto expected = s["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(ids[i], expected) << name << " line " << i << ": " << show(lines[i]);
    EXPECT_EQ(tok->decode(expected, skip_special), s["decoded"].get<std::string>())
        << name << " decode of line " << i << ": " << show(lines[i]);
  }
  // Hash of ids + decoded text for every line.
  std::string hashes = b64decode(doc["hashes"].get<std::string>());
  ASSERT_EQ(hashes.size(), lines.size() * 4);
  size_t mismatches = 0, total = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    total += ids[i].size();
    uint32_t want = static_cast<unsigned char>(hashes[4 * i]) | static_cast<unsigned char>(hashes[4 * i + 1]) << 8 |
                    static_cast<unsigned char>(hashes[4 * i + 2]) << 16 |
                    static_cast<uint32_t>(static_cast<unsigned char>(hashes[4 * i + 3])) << 24;
    if (tt::line_hash(ids[i], tok->decode(ids[i], skip_special)) != want) {
      if (++mismatches <= 5)
        ADD_FAILURE() << name << " line " << i << " differs from HF: " << show(lines[i])
                      << "\n  ours: " << show_ids(ids[i]) << "\n  decoded: " << show(tok->decode(ids[i], skip_special));
    }
  }
  EXPECT_EQ(mismatches, 0u) << name << ": lines whose ids or decoded text differ from HF";
  EXPECT_EQ(total, doc["total_tokens"].get<size_t>()) << name;
}

}  // namespace

class Reference : public ::testing::TestWithParam<std::string> {};
TEST_P(Reference, IdsAndDecodedTextMatchHuggingFace) { check_reference(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, Reference,
    ::testing::Values("gpt2", "gpt2-nospecial", "llama2", "llama2-nospecial", "stories260K", "stories260K-nospecial",
                      "tiny-random-gpt2", "tiny-random-gpt2-nospecial", "llama2-model", "stories260K-model",
                      "llama3-style", "qwen2-style", "metaspace-first-nfkc", "metaspace-always-nfkc",
                      "metaspace-never-nfkc", "normalize-split-mix", "punct-whitespace", "bert-wordpiece",
                      "unigram-metaspace"),
    [](const ::testing::TestParamInfo<std::string>& i) {
      std::string n = i.param;
      for (char& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });
