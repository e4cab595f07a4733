// --tasks parsing: the spec grammar of lighteval v0.5 (registry.py::taskinfo_selector), task
// files, groups, and one clear error for every malformed input.
#include "tasks/task_spec.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

std::string error_of(const std::string& arg, const std::map<std::string, std::string>& groups = {}) {
  try {
    parse_task_specs(arg, groups);
  } catch (const UsageError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << "multi-line error: " << m;
    return m;
  }
  ADD_FAILURE() << "no error for " << arg;
  return "";
}

TEST(TaskSpec, ParsesTheFourFields) {
  TaskSpec s = parse_task_spec("leaderboard|arc:challenge|25|0");
  EXPECT_EQ(s.suite, "leaderboard");
  EXPECT_EQ(s.task, "arc:challenge");
  EXPECT_EQ(s.num_fewshot, 25);
  EXPECT_FALSE(s.truncate_fewshot);
  EXPECT_EQ(s.task_key(), "leaderboard|arc:challenge");
  EXPECT_EQ(s.key(), "leaderboard|arc:challenge|25");
  EXPECT_TRUE(parse_task_spec("lighteval|gsm8k|5|1").truncate_fewshot);
}

TEST(TaskSpec, CommaListsKeepOrderAndDropExactDuplicates) {
  auto specs = parse_task_specs("leaderboard|gsm8k|5|0,leaderboard|arc:challenge|25|0,leaderboard|gsm8k|5|0");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].key(), "leaderboard|gsm8k|5");
  EXPECT_EQ(specs[1].key(), "leaderboard|arc:challenge|25");
}

TEST(TaskSpec, SameTaskWithSeveralShotCounts) {
  auto specs = parse_task_specs("leaderboard|gsm8k|5|0,leaderboard|arc:challenge|0|0,leaderboard|gsm8k|0|0");
  auto groups = group_task_specs(specs);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].task_key, "leaderboard|arc:challenge");  // sorted by task, as v0.5
  EXPECT_EQ(groups[1].task_key, "leaderboard|gsm8k");
  ASSERT_EQ(groups[1].specs.size(), 2u);
  EXPECT_EQ(groups[1].specs[0].num_fewshot, 5);
  EXPECT_EQ(groups[1].specs[1].num_fewshot, 0);
}

TEST(TaskSpec, TaskFilesSkipCommentsAndBlankLines) {
  auto dir = lighteval::testing::temp_dir("task_spec");
  auto path = dir / "tasks.txt";
  std::ofstream(path) << "# the leaderboard\nleaderboard|arc:challenge|25|0\n\n   \n"
                         "  leaderboard|hellaswag|10|0  \r\n# leaderboard|gsm8k|5|0\n"
                         "leaderboard|truthfulqa:mc|0|0,leaderboard|winogrande|5|0\n";
  auto specs = parse_task_specs(path.string());
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].key(), "leaderboard|arc:challenge|25");
  EXPECT_EQ(specs[1].key(), "leaderboard|hellaswag|10");
  EXPECT_EQ(specs[2].key(), "leaderboard|truthfulqa:mc|0");
  EXPECT_EQ(specs[3].key(), "leaderboard|winogrande|5");
}

TEST(TaskSpec, GroupsExpandAsWholeValueOrItem) {
  std::map<std::string, std::string> groups{{"small", "custom|a|0|0,custom|b|1|0"}};
  auto specs = parse_task_specs("small", groups);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].key(), "custom|b|1");
  specs = parse_task_specs("leaderboard|gsm8k|5|0,small", groups);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].key(), "leaderboard|gsm8k|5");
}

TEST(TaskSpec, MalformedSpecsGiveOneClearError) {
  EXPECT_NE(error_of("").find("--tasks is empty"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|25").find("3 '|'-separated parts, expected 4"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|25|0|1").find("5 '|'-separated parts"), std::string::npos);
  EXPECT_NE(error_of("arc").find("1 '|'-separated part, expected 4"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|x|0").find("num_fewshot \"x\" must be a non-negative integer"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|-1|0").find("non-negative"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|99999999999|0").find("non-negative integer"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|25|2").find("truncate_fewshot \"2\" must be 0 or 1"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|arc:challenge|25|").find("must be 0 or 1"), std::string::npos);
  EXPECT_NE(error_of("leaderbord|arc:challenge|25|0").find("unknown suite \"leaderbord\""), std::string::npos);
  EXPECT_NE(error_of("|arc:challenge|25|0").find("empty suite"), std::string::npos);
  EXPECT_NE(error_of("leaderboard||25|0").find("empty task name"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|gsm8k|5|0,,leaderboard|arc:challenge|25|0").find("empty task spec"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|gsm8k|5|0,leaderboard|gsm8k|5|1").find("both with and without"), std::string::npos);
  EXPECT_NE(error_of("no/such/tasks.txt").find("neither a task spec nor an existing task file"), std::string::npos);
  EXPECT_NE(error_of("leaderboard|gsm8k|5|0\x01").find("\\x01"), std::string::npos);
  std::map<std::string, std::string> loop{{"a", "b"}, {"b", "a"}};
  EXPECT_NE(error_of("a", loop).find("loop"), std::string::npos);
}

TEST(TaskSpec, BadTaskFilesGiveOneClearError) {
  auto dir = lighteval::testing::temp_dir("task_spec_bad");
  auto empty = dir / "empty.txt";
  std::ofstream(empty) << "# nothing here\n\n";
  EXPECT_NE(error_of(empty.string()).find("holds no task spec"), std::string::npos);
  auto bad = dir / "bad.txt";
  std::ofstream(bad) << "leaderboard|arc:challenge|25|0\nleaderboard|gsm8k|five|0\n";
  std::string m = error_of(bad.string());
  EXPECT_NE(m.find("line 2"), std::string::npos) << m;
  EXPECT_NE(m.find("num_fewshot \"five\""), std::string::npos) << m;
}

}  // namespace
}  // namespace lighteval::tasks
