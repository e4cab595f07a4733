// Full prompts (few-shot included) against tests/fixtures/tasks/prompt_reference.json, written by
// scripts/fixtures/tasks_prompt_reference.py: CPython's random and a Python transcription of
// lighteval v0.5's prompt functions, FewShotSampler and PromptManager over the raw dataset files.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "raw_rows.h"
#include "tasks/prepare.h"
#include "tasks/registry.h"
#include "tasks/task_config.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

Json reference() {
  std::ifstream in(lighteval::testing::fixtures_dir() / "tasks" / "prompt_reference.json");
  EXPECT_TRUE(in.good());
  return Json::parse(in);
}

const Json& find_case(const Json& ref, const std::string& name) {
  for (const auto& c : ref["cases"]) {
    if (c["name"] == name) return c;
  }
  throw std::runtime_error("no reference case " + name);
}

TaskConfig custom_config(const std::string& yaml) {
  TaskFile f = parse_task_file(yaml, "test.yaml");
  return f.tasks.at(0);
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (lighteval::testing::shared_dir().empty()) GTEST_SKIP() << "../shared is absent; skipping";
    registry_ = TaskRegistry::load_builtin(lighteval::testing::source_dir() / "tasks");
    options_.load_rows = testing::raw_row_loader();
  }
  PreparedTask run_builtin(const std::string& spec, size_t max_samples) {
    TaskSpec s = parse_task_spec(spec);
    options_.max_samples = max_samples;
    return prepare_task(registry_.get(s.task_key()), {s}, options_);
  }
  TaskRegistry registry_;
  PrepareOptions options_;
};

TEST_F(PrepareTest, ArcChallenge25ShotMatchesLighteval) {
  testing::expect_prepared_matches(run_builtin("leaderboard|arc:challenge|25|0", 3),
                 find_case(reference(), "leaderboard|arc:challenge|25"));
}

TEST_F(PrepareTest, Gsm8k5ShotMatchesLighteval) {
  testing::expect_prepared_matches(run_builtin("leaderboard|gsm8k|5|0", 3), find_case(reference(), "leaderboard|gsm8k|5"));
}

TEST_F(PrepareTest, TruthfulQaZeroShotMatchesLighteval) {
  testing::expect_prepared_matches(run_builtin("leaderboard|truthfulqa:mc|0|0", 3),
                 find_case(reference(), "leaderboard|truthfulqa:mc|0"));
}

TEST_F(PrepareTest, ArcChallengeFirstDocIsTheHandWrittenPrompt) {
  // Shuffled position 0 is test row 595; its 0-shot prompt written out from the arc rule.
  PreparedTask t = run_builtin("leaderboard|arc:challenge|0|0", 1);
  ASSERT_EQ(t.docs.size(), 1u);
  Json row = testing::raw_rows("ai2_arc", "ARC-Challenge", "test").at(595);
  EXPECT_EQ(t.docs[0].doc.ctx, "Question: " + row["question"].get<std::string>() + "\nAnswer:");
  std::vector<std::string> want;
  for (const auto& c : row["choices"]["text"]) want.push_back(" " + c.get<std::string>());
  EXPECT_EQ(t.docs[0].doc.choices, want);
  EXPECT_EQ(t.docs[0].sample_id, "0_0");
}

TEST_F(PrepareTest, SamplingFromTheEvalPoolSkipsTheDocAndKeepsSpecOrder) {
  TaskConfig c = custom_config(R"(tasks:
  - name: gsm8k_pool_eval
    prompt_function: gsm8k
    hf_repo: gsm8k
    hf_subset: main_first40
    evaluation_splits: [test]
    few_shots_split: test
    few_shots_select: random_sampling
    generation_size: 256
    metric: [quasi_exact_match_gsm8k]
)");
  options_.max_samples = 4;
  std::vector<TaskSpec> specs{parse_task_spec("custom|gsm8k_pool_eval|2|0"),
                              parse_task_spec("custom|gsm8k_pool_eval|1|0")};
  testing::expect_prepared_matches(prepare_task(c, specs, options_), find_case(reference(), "custom|gsm8k_pool_eval"));
}

TEST_F(PrepareTest, BalancedSelectionWithTwoSeeds) {
  TaskConfig c = custom_config(R"(tasks:
  - name: tqa_balanced
    prompt_function: truthful_qa_multiple_choice
    hf_repo: truthful_qa
    hf_subset: multiple_choice_first30
    hf_avail_splits: [validation]
    evaluation_splits: [validation]
    metric: [truthfulqa_mc_metrics]
)");
  options_.max_samples = 2;
  options_.num_fewshot_seeds = 2;
  testing::expect_prepared_matches(prepare_task(c, {parse_task_spec("custom|tqa_balanced|3|0")}, options_),
                 find_case(reference(), "custom|tqa_balanced"));
}

TEST_F(PrepareTest, SequentialSelectionWithSeedsAndSystemPrompt) {
  TaskConfig c = custom_config(R"(tasks:
  - name: arc_sequential
    prompt_function: arc
    hf_repo: ai2_arc
    hf_subset: ARC-Challenge
    evaluation_splits: [test]
    few_shots_split: validation
    few_shots_select: sequential
    metric: [loglikelihood_acc]
)");
  options_.max_samples = 2;
  options_.num_fewshot_seeds = 2;
  options_.system_prompt = "You are a careful student. ";
  testing::expect_prepared_matches(prepare_task(c, {parse_task_spec("custom|arc_sequential|2|0")}, options_),
                 find_case(reference(), "custom|arc_sequential"));
}

TEST_F(PrepareTest, RandomSelectionWithASecondSeed) {
  TaskConfig c = custom_config(R"(tasks:
  - name: arc_random_seeds
    prompt_function: arc
    hf_repo: ai2_arc
    hf_subset: ARC-Challenge_first50
    evaluation_splits: [test]
    few_shots_split: validation
    few_shots_select: random
    metric: [loglikelihood_acc]
)");
  // The eval split must be the full test split: only the pool is cut to 50 rows.
  options_.load_rows = [](const std::string& repo, const std::string& subset, const std::string& split,
                          const std::optional<std::string>&) {
    return testing::raw_rows(repo, split == "test" ? "ARC-Challenge" : subset, split);
  };
  options_.max_samples = 2;
  options_.num_fewshot_seeds = 2;
  testing::expect_prepared_matches(prepare_task(c, {parse_task_spec("custom|arc_random_seeds|1|0")}, options_),
                 find_case(reference(), "custom|arc_random_seeds"));
}

TEST_F(PrepareTest, TruncationDropsShotsUntilThePromptFits) {
  // A word counter stands in for the tokenizer; generation_size 256 (gsm8k) counts as v0.5 does.
  options_.count_tokens = [](const std::string& s) -> std::optional<size_t> {
    size_t words = 0;
    bool in = false;
    for (char c : s) {
      bool sp = c == ' ' || c == '\n';
      if (!sp && !in) ++words;
      in = !sp;
    }
    return words;
  };
  TaskSpec s = parse_task_spec("leaderboard|gsm8k|5|1");
  options_.max_samples = 1;
  options_.max_length = 100000;
  PreparedTask all = prepare_task(registry_.get(s.task_key()), {s}, options_);
  ASSERT_EQ(all.docs.size(), 1u);
  EXPECT_EQ(all.docs[0].doc.num_effective_few_shots, 5);
  size_t full = *options_.count_tokens(all.docs[0].doc.ctx);
  // Room for exactly the query alone: every shot goes, and the loop stops at zero.
  PreparedTask zero_shot = prepare_task(registry_.get(s.task_key()), {parse_task_spec("leaderboard|gsm8k|0|0")}, options_);
  size_t query_only = *options_.count_tokens(zero_shot.docs[0].doc.ctx);
  options_.max_length = query_only + 256;
  PreparedTask cut = prepare_task(registry_.get(s.task_key()), {s}, options_);
  EXPECT_EQ(cut.docs[0].doc.num_effective_few_shots, 0);
  EXPECT_EQ(cut.docs[0].doc.ctx, zero_shot.docs[0].doc.ctx);
  EXPECT_EQ(cut.docs[0].doc.num_asked_few_shots, 5);
  // Too small even for the query: still zero shots (v0.5 would go on to fewshots[:-1]).
  options_.max_length = 10;
  EXPECT_EQ(prepare_task(registry_.get(s.task_key()), {s}, options_).docs[0].doc.num_effective_few_shots, 0);
  // Room for the full prompt: nothing is dropped.
  options_.max_length = full + 256;
  EXPECT_EQ(prepare_task(registry_.get(s.task_key()), {s}, options_).docs[0].doc.num_effective_few_shots, 5);
  // One token short: the last shot goes, and the prompt is the first four shots' prompt.
  options_.max_length = full + 255;
  PreparedTask four = prepare_task(registry_.get(s.task_key()), {s}, options_);
  EXPECT_EQ(four.docs[0].doc.num_effective_few_shots, 4);
  EXPECT_EQ(four.docs[0].doc.ctx.find("Question: "), 0u);
  EXPECT_LT(four.docs[0].doc.ctx.size(), all.docs[0].doc.ctx.size());
  EXPECT_EQ(all.docs[0].doc.ctx.substr(0, four.docs[0].doc.ctx.rfind("Question: ")),
            four.docs[0].doc.ctx.substr(0, four.docs[0].doc.ctx.rfind("Question: ")));
}

TEST_F(PrepareTest, ChatTemplateMessagesFollowLighteval) {
  Json seen;
  options_.use_chat_template = true;
  options_.render_chat = [&](const Json& messages) -> std::optional<std::string> {
    seen = messages;
    return std::string("rendered");
  };
  options_.max_samples = 1;
  TaskSpec s = parse_task_spec("leaderboard|gsm8k|1|0");
  PreparedTask t = prepare_task(registry_.get(s.task_key()), {s}, options_);
  EXPECT_EQ(t.docs[0].doc.ctx, "rendered");
  ASSERT_EQ(seen.size(), 3u);
  // Shuffled doc 0 is test row 588 (see the gsm8k reference case); the shot is a train row.
  Json test_row = testing::raw_rows("gsm8k", "main", "test").at(588);
  EXPECT_EQ(seen[0]["role"], "user");
  EXPECT_EQ(seen[1]["role"], "assistant");
  EXPECT_EQ(seen[2]["role"], "user");
  EXPECT_EQ(seen[2]["content"], "Question: " + test_row["question"].get<std::string>() + "\nAnswer:");
  EXPECT_EQ(seen[1]["content"].get<std::string>().substr(0, 1), " ");
  // With a system prompt it comes first, joined to the (empty) instruction.
  options_.system_prompt = "Be brief.";
  prepare_task(registry_.get(s.task_key()), {s}, options_);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], (Json{{"role", "system"}, {"content", "Be brief."}}));
  // No chat template on the model: a clear error.
  options_.render_chat = [](const Json&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_THROW(prepare_task(registry_.get(s.task_key()), {s}, options_), lighteval::Error);
}

TEST_F(PrepareTest, TooManyShotsForThePoolIsAClearError) {
  TaskConfig c = custom_config(R"(tasks:
  - name: tiny_pool
    prompt_function: gsm8k
    hf_repo: gsm8k
    hf_subset: main_first3
    evaluation_splits: [test]
    few_shots_split: train
    few_shots_select: random_sampling_from_train
    metric: [quasi_exact_match_gsm8k]
)");
  options_.max_samples = 1;
  try {
    prepare_task(c, {parse_task_spec("custom|tiny_pool|5|0")}, options_);
    FAIL() << "expected an error";
  } catch (const lighteval::Error& e) {
    EXPECT_NE(std::string(e.what()).find("only 3 docs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lighteval::tasks
