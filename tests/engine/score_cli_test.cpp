// `lighteval score` end to end on stories260K: one JSON line per input line, in order, with the
// loglikelihood tokenization (trailing context whitespace moves to the continuation), and one-line
// errors for bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "util/json.h"

namespace lighteval {
namespace {

TEST(ScoreCli, ScoresJsonLinesInOrder) {
  LIGHTEVAL_REQUIRE_SHARED();
  if (!std::filesystem::exists(testing::lighteval_binary())) GTEST_SKIP() << "lighteval binary not built";
  const auto dir = testing::temp_dir("score_cli");
  std::ofstream(dir / "in.jsonl") << R"({"context": "Once upon a time, there was a little", "continuation": " girl"})"
                                  << "\n\n"
                                  << R"({"context": "Once upon a time, there was a little ", "continuation": "girl"})"
                                  << "\n"
                                  << R"({"context": "Lily", "continuation": " xq zz"})" << "\n";
  const std::string model = "pretrained=" + (testing::assets_dir() / "hub/models/fixtures/stories260K").string();
  const auto r = testing::run_command(testing::lighteval_binary().string() + " score --model_args '" + model +
                                      "' --input " + (dir / "in.jsonl").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Json> lines;
  std::istringstream out(r.out);
  for (std::string l; std::getline(out, l);) lines.push_back(Json::parse(l));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["logprob"].get<double>(), lines[1]["logprob"].get<double>());
  EXPECT_EQ(lines[0]["num_tokens"], lines[1]["num_tokens"]);
  EXPECT_LT(lines[0]["logprob"].get<double>(), 0.0);
  EXPECT_GT(lines[0]["logprob"].get<double>(), lines[2]["logprob"].get<double>());  // a likely word beats noise
  EXPECT_FALSE(lines[2]["is_greedy"].get<bool>());

  std::ofstream(dir / "bad.jsonl") << "{\"context\": 1}\n";
  const auto bad = testing::run_command(testing::lighteval_binary().string() + " score --model_args '" + model +
                                        "' --input " + (dir / "bad.jsonl").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("bad.jsonl:1"), std::string::npos) << bad.err;
  const auto missing = testing::run_command(testing::lighteval_binary().string() + " score --model_args '" + model +
                                            "' --input " + (dir / "none.jsonl").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace lighteval
