#include "pipeline/aggregation.h"

#include <gtest/gtest.h>

namespace lighteval::pipeline {
namespace {

// Expected values computed by hand from lighteval v0.5's MetricsLogger.aggregate rules.
TEST(Aggregation, AveragesAndAllByHand) {
  Json per_task = Json::parse(R"({
    "leaderboard|mmlu:a|5": {"acc": 0.5, "acc_stderr": 0.1},
    "leaderboard|mmlu:b|5": {"acc": 0.25, "acc_stderr": 0.2},
    "leaderboard|mmlu:c|0": {"acc": 1.0, "acc_stderr": 0.0},
    "leaderboard|arc:challenge|25": {"acc": 0.75, "acc_stderr": 0.05, "acc_norm": 0.5, "acc_norm_stderr": 0.04},
    "leaderboard|gsm8k|5": {"qem": 0.125, "qem_stderr": 0.03}
  })");
  Json out = add_averages_and_all(per_task);
  // mmlu:_average|5 has two members: (0.5 + 0.25) / 2, stderr (0.1 + 0.2) / 2.
  ASSERT_TRUE(out.contains("leaderboard|mmlu:_average|5"));
  EXPECT_DOUBLE_EQ(out["leaderboard|mmlu:_average|5"]["acc"].get<double>(), 0.375);
  EXPECT_DOUBLE_EQ(out["leaderboard|mmlu:_average|5"]["acc_stderr"].get<double>(), 0.15);
  // A one-member group (mmlu at 0 shots, arc, gsm8k) gets no average entry.
  EXPECT_FALSE(out.contains("leaderboard|mmlu:_average|0"));
  EXPECT_FALSE(out.contains("leaderboard|arc:_average|25"));
  // all: acc over the 4 tasks that have it: (0.5 + 0.25 + 1 + 0.75) / 4 = 0.625; acc_norm only arc;
  // qem only gsm8k; stderr keys averaged too: (0.1 + 0.2 + 0 + 0.05) / 4 = 0.0875.
  EXPECT_DOUBLE_EQ(out["all"]["acc"].get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(out["all"]["acc_norm"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(out["all"]["qem"].get<double>(), 0.125);
  EXPECT_DOUBLE_EQ(out["all"]["acc_stderr"].get<double>(), 0.0875);
  // Order: the tasks, then the averages, then all.
  std::vector<std::string> keys;
  for (const auto& [k, _] : out.items()) keys.push_back(k);
  ASSERT_EQ(keys.size(), 7u);
  EXPECT_EQ(keys[5], "leaderboard|mmlu:_average|5");
  EXPECT_EQ(keys[6], "all");
}

TEST(Aggregation, AllIgnoresAverages) {
  // all is computed over the task entries only: adding the _average entry must not change it.
  Json per_task = Json::parse(R"({"s|t:a|0": {"m": 1.0}, "s|t:b|0": {"m": 0.0}, "s|u|0": {"m": 0.0}})");
  Json out = add_averages_and_all(per_task);
  EXPECT_DOUBLE_EQ(out["s|t:_average|0"]["m"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(out["all"]["m"].get<double>(), 1.0 / 3.0);
}

}  // namespace
}  // namespace lighteval::pipeline
