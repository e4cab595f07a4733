// --dataset_loading_processes: splits read up front by several threads serve the same rows, each
// split read once, and a split that fails reports its error when a task asks for it.
#include "pipeline/prefetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "util/error.h"

namespace lighteval::pipeline {
namespace {

TEST(Prefetch, ServesEverySplitOnceAndKeepsErrorsForLater) {
  std::mutex m;
  std::map<std::string, int> reads;
  tasks::RowLoader base = [&](const std::string& repo, const std::string& subset, const std::string& split,
                              const std::optional<std::string>& revision) -> std::vector<Json> {
    {
      std::lock_guard<std::mutex> lock(m);
      ++reads[repo + "/" + subset + "/" + split + (revision ? "@" + *revision : "")];
    }
    if (repo == "broken") throw Error("dataset broken has no split " + split);
    std::vector<Json> rows;
    for (int i = 0; i < 3; ++i) rows.push_back(Json{{"repo", repo}, {"split", split}, {"i", i}});
    return rows;
  };
  std::vector<SplitRequest> needed;
  for (int t = 0; t < 20; ++t) needed.push_back({"r" + std::to_string(t % 7), "default", "test", std::nullopt});
  needed.push_back({"r1", "default", "test", std::string("v2")});
  needed.push_back({"broken", "default", "test", std::nullopt});
  tasks::RowLoader loader = prefetch_rows(needed, base, 4);
  EXPECT_EQ(reads.size(), 9u);  // r0..r6, r1@v2, broken
  for (const auto& [k, n] : reads) EXPECT_EQ(n, 1) << k;

  auto rows = loader("r3", "default", "test", std::nullopt);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2], (Json{{"repo", "r3"}, {"split", "test"}, {"i", 2}}));
  rows[0]["changed"] = true;  // callers get their own copy
  EXPECT_FALSE(loader("r3", "default", "test", std::nullopt)[0].contains("changed"));
  EXPECT_EQ(reads["r3/default/test"], 1);
  try {
    loader("broken", "default", "test", std::nullopt);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "dataset broken has no split test");
  }
  // Not prefetched: read through the base loader.
  EXPECT_EQ(loader("r1", "default", "train", std::nullopt).size(), 3u);
  EXPECT_EQ(reads["r1/default/train"], 1);
}

TEST(Prefetch, SplitsOfATask) {
  tasks::TaskConfig c;
  c.hf_repo = "ai2_arc";
  c.hf_subset = "ARC-Challenge";
  c.hf_avail_splits = {"train", "test"};
  c.evaluation_splits = {"test"};
  auto zero = splits_read_by(c, {tasks::parse_task_spec("leaderboard|arc:challenge|0|0")});
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(zero[0].split, "test");
  auto shots = splits_read_by(c, {tasks::parse_task_spec("leaderboard|arc:challenge|0|0"),
                                  tasks::parse_task_spec("leaderboard|arc:challenge|25|0")});
  ASSERT_EQ(shots.size(), 2u);
  EXPECT_EQ(shots[1].split, "train");  // v0.5's inference: the non-eval split containing "train"
}

}  // namespace
}  // namespace lighteval::pipeline
