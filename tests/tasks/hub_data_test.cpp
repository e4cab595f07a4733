// Every built-in task on the real rows of the Hub mirror in ../shared/assets/hub, read by the
// data module: the same prompts as the CPython reference for arc/gsm8k/truthfulqa, the doc order
// of Random(42).shuffle (CPython) and few-shot contexts rebuilt from the rules for the others.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "data/dataset.h"
#include "raw_rows.h"
#include "tasks/prepare.h"
#include "tasks/prompt_functions.h"
#include "tasks/registry.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

Json reference() {
  std::ifstream in(lighteval::testing::fixtures_dir() / "tasks" / "prompt_reference.json");
  return Json::parse(in);
}

RowLoader hub_loader() {
  return [](const std::string& repo, const std::string& subset, const std::string& split,
            const std::optional<std::string>& revision) {
    return data::load_split((lighteval::testing::assets_dir() / "hub" / "datasets" / repo).string(), subset, split,
                            revision.value_or(""));
  };
}

class HubDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (lighteval::testing::shared_dir().empty()) GTEST_SKIP() << "../shared is absent; skipping";
    registry_ = TaskRegistry::load_builtin(lighteval::testing::source_dir() / "tasks");
    options_.load_rows = hub_loader();
  }
  PreparedTask run(const std::string& spec, size_t max_samples) {
    TaskSpec s = parse_task_spec(spec);
    options_.max_samples = max_samples;
    return prepare_task(registry_.get(s.task_key()), {s}, options_);
  }
  std::vector<Json> rows(const std::string& task_key, const std::string& split) {
    const TaskConfig& c = registry_.get(task_key);
    return hub_loader()(c.hf_repo, c.hf_subset, split, c.hf_revision);
  }
  Doc doc_of(const std::string& task_key, const Json& row) {
    Json r = row;
    r["__few_shots"] = false;
    return (*find_prompt_function(registry_.get(task_key).prompt_function))(r, task_key).at(0);
  }
  TaskRegistry registry_;
  PrepareOptions options_;
};

TEST_F(HubDataTest, LeaderboardPromptsMatchTheReferenceOnHubRows) {
  Json ref = reference();
  for (const auto& [spec, name] : std::vector<std::pair<std::string, std::string>>{
           {"leaderboard|arc:challenge|25|0", "leaderboard|arc:challenge|25"},
           {"leaderboard|gsm8k|5|0", "leaderboard|gsm8k|5"},
           {"leaderboard|truthfulqa:mc|0|0", "leaderboard|truthfulqa:mc|0"}}) {
    for (const auto& c : ref["cases"]) {
      if (c["name"] == name) testing::expect_prepared_matches(run(spec, 3), c);
    }
  }
}

TEST_F(HubDataTest, FirstDocsFollowPythonsShuffle) {
  Json heads = reference()["shuffle_heads"];
  struct Case {
    std::string spec, split;
    size_t n;
  };
  for (const Case& c : std::vector<Case>{{"leaderboard|mmlu:abstract_algebra|0|0", "test", 100},
                                         {"leaderboard|hellaswag|0|0", "validation", 1000},
                                         {"leaderboard|winogrande|0|0", "validation", 1267},
                                         {"lighteval|piqa|0|0", "validation", 1838},
                                         {"lighteval|arc:easy|0|0", "test", 2376},
                                         {"lighteval|wikitext:2|0|0", "test", 2891},
                                         {"lighteval|super_glue:boolq|0|0", "validation", 3270},
                                         {"lighteval|lambada:openai|0|0", "test", 5153},
                                         {"harness|wikitext:103:document_level|0|0", "test", 62}}) {
    SCOPED_TRACE(c.spec);
    PreparedTask t = run(c.spec, 2);
    std::string key = parse_task_spec(c.spec).task_key();
    EXPECT_EQ(t.original_num_docs, c.n);
    ASSERT_EQ(t.docs.size(), 2u);
    std::vector<Json> all = rows(key, c.split);
    for (size_t i = 0; i < 2; ++i) {
      Doc want = doc_of(key, all.at(heads[std::to_string(c.n)][i].get<size_t>()));
      EXPECT_EQ(t.docs[i].doc.query, want.query);
      EXPECT_EQ(t.docs[i].doc.choices, want.choices);
      EXPECT_EQ(t.docs[i].doc.gold_index, want.gold_index);
      // 0-shot: the context is the query itself (no instruction in these tasks but mmlu's, which
      // the query starts with).
      EXPECT_EQ(t.docs[i].doc.ctx, want.query);
    }
  }
}

TEST_F(HubDataTest, MmluFiveShotContextFromTheRules) {
  PreparedTask t = run("leaderboard|mmlu:abstract_algebra|5|0", 2);
  std::vector<Json> dev = rows("leaderboard|mmlu:abstract_algebra", "dev");
  std::vector<Json> test = rows("leaderboard|mmlu:abstract_algebra", "test");
  ASSERT_EQ(dev.size(), 5u);
  auto body = [](const Json& r) {
    std::string s = r["question"].get<std::string>() + "\n";
    const char* letters = "ABCD";
    for (size_t i = 0; i < 4; ++i) s += std::string(1, letters[i]) + ". " + r["choices"][i].get<std::string>() + "\n";
    return s + "Answer:";
  };
  Json heads = reference()["shuffle_heads"]["100"];
  for (size_t d = 0; d < 2; ++d) {
    std::string want = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
    for (const Json& r : dev) want += body(r) + " " + std::string(1, "ABCD"[r["answer"].get<int>()]) + "\n\n";
    want += body(test.at(heads[d].get<size_t>()));
    EXPECT_EQ(t.docs[d].doc.ctx, want);
    EXPECT_EQ(t.docs[d].doc.num_effective_few_shots, 5);
  }
}

TEST_F(HubDataTest, ArcEasy25ShotContextFromTheRules) {
  PreparedTask t = run("lighteval|arc:easy|25|0", 2);
  std::vector<Json> train = rows("lighteval|arc:easy", "train");
  std::vector<Json> test = rows("lighteval|arc:easy", "test");
  auto query = [](const Json& r) { return "Question: " + r["question"].get<std::string>() + "\nAnswer:"; };
  auto gold = [](const Json& r) {
    const Json& labels = r["choices"]["label"];
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == r["answerKey"]) return " " + r["choices"]["text"][i].get<std::string>();
    }
    return std::string("?");
  };
  Json draws = reference()["arc_easy_25"];
  for (size_t d = 0; d < 2; ++d) {
    std::string want;
    for (const Json& i : draws[d]["fewshot_rows"]) want += query(train.at(i.get<size_t>())) + gold(train.at(i.get<size_t>())) + "\n\n";
    want += query(test.at(draws[d]["row"].get<size_t>()));
    EXPECT_EQ(t.docs[d].doc.ctx, want);
  }
}

TEST_F(HubDataTest, MissingFewShotSplitIsAClearError) {
  // The mirror has no hellaswag train split, so 10-shot hellaswag cannot be built from it.
  try {
    run("leaderboard|hellaswag|10|0", 1);
    FAIL() << "expected an error";
  } catch (const lighteval::Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos);
    EXPECT_NE(m.find("train"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace lighteval::tasks
