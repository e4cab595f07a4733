// `lighteval tokenize` against the HF reference ids and decoded text of the tokenizer fixtures
// (scripts/fixtures/make_tokenizer_refs.py): the sampled corpus lines written as JSON Lines, run
// through the binary with and without special tokens.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "fixture_io.h"
#include "util/json.h"

namespace lighteval::tokenizer {
namespace {

namespace fs = std::filesystem;
namespace tt = lighteval::tokenizer::testing;
using lighteval::testing::run_command;

// Runs the binary on the reference's sampled lines (those that are valid UTF-8, as JSON needs) and
// compares every output line with HF's ids and decode(ids).
void check_cli_against(const std::string& ref_name, const std::string& flags) {
  LIGHTEVAL_REQUIRE_SHARED();
  const fs::path fixtures = lighteval::testing::fixtures_dir() / "tokenizer";
  const Json doc = Json::parse(tt::read_gzip(fixtures / "refs" / (ref_name + ".json.gz")));
  ASSERT_EQ(doc["source"], "directory");
  // The CLI decodes keeping special tokens; a reference decoded without them checks the ids only.
  const bool compare_decoded = !doc.value("skip_special_tokens", false);
  const auto corpus = tt::read_corpus(fixtures / "corpus.bin.gz");
  const fs::path dir = lighteval::testing::temp_dir("tokenize_cli_" + ref_name);
  std::ofstream in(dir / "in.jsonl", std::ios::binary);
  std::vector<const Json*> expected;
  for (const auto& s : doc["samples"]) {
    std::string line;
    try {
      line = Json{{"text", corpus.at(s["line"].get<size_t>())}}.dump();
    } catch (const Json::exception&) {
      continue;  // invalid UTF-8 cannot be written as JSON
    }
    in << line << "\n";
    expected.push_back(&s);
  }
  in.close();
  ASSERT_GE(expected.size(), 10u);

  const fs::path tok_dir = lighteval::testing::assets_dir() / doc["path"].get<std::string>();
  auto r = run_command("'" + lighteval::testing::lighteval_binary().string() + "' tokenize --tokenizer '" +
                       tok_dir.string() + "' --input '" + (dir / "in.jsonl").string() + "' --decode " + flags);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  size_t n = 0;
  while (std::getline(out, line)) {
    ASSERT_LT(n, expected.size());
    const Json got = Json::parse(line);
    EXPECT_EQ(got["ids"], (*expected[n])["ids"]) << ref_name << " sample " << n;
    if (compare_decoded) EXPECT_EQ(got["decoded"], (*expected[n])["decoded"]) << ref_name << " sample " << n;
    ++n;
  }
  EXPECT_EQ(n, expected.size());
}

TEST(TokenizeCli, Llama2WithSpecialTokensMatchesHuggingFace) { check_cli_against("llama2", ""); }
TEST(TokenizeCli, Llama2WithoutSpecialTokensMatchesHuggingFace) {
  check_cli_against("llama2-nospecial", "--no_special_tokens");
}
TEST(TokenizeCli, Gpt2MatchesHuggingFace) { check_cli_against("gpt2", ""); }

TEST(TokenizeCli, BadInputIsOneClearLine) {
  LIGHTEVAL_REQUIRE_SHARED();
  const fs::path dir = lighteval::testing::temp_dir("tokenize_cli_bad");
  std::ofstream(dir / "bad.jsonl") << "{\"text\": \"ok\"}\n{\"txt\": 1}\n";
  const std::string bin = "'" + lighteval::testing::lighteval_binary().string() + "' tokenize ";
  const std::string tok = (lighteval::testing::assets_dir() / "hub/models/fixtures/gpt2-tokenizer").string();
  for (const std::string& args : {"--tokenizer '" + tok + "' --input '" + (dir / "bad.jsonl").string() + "'",
                                  "--tokenizer '" + tok + "' --input '" + (dir / "missing.jsonl").string() + "'",
                                  "--tokenizer '" + (dir / "bad.jsonl").string() + "' --input -",
                                  std::string("--input -")}) {
    auto r = run_command(bin + args + " < /dev/null");
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find("lighteval tokenize: error:"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace lighteval::tokenizer
