// The built-in task table (tasks/*.yaml) against lighteval v0.5's default_tasks.py values, and
// the errors for bad task files, custom task files and unknown tasks.
#include "tasks/registry.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

TaskRegistry builtin() { return TaskRegistry::load_builtin(lighteval::testing::source_dir() / "tasks"); }

std::string file_error(const std::string& yaml) {
  try {
    parse_task_file(yaml, "custom.yaml");
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.rfind("custom.yaml", 0), 0u) << "message must name the file: " << m;
    return m;
  }
  ADD_FAILURE() << "no error for:\n" << yaml;
  return "";
}

TEST(Registry, BuiltinSuitesHoldTheV05Tasks) {
  TaskRegistry r = builtin();
  auto all = r.list();
  size_t leaderboard = 0, mmlu = 0;
  for (const auto& [suite, task] : all) {
    if (suite == "leaderboard") ++leaderboard;
    if (suite == "leaderboard" && task.rfind("mmlu:", 0) == 0) ++mmlu;
  }
  EXPECT_EQ(mmlu, 57u);
  EXPECT_EQ(leaderboard, 62u);  // v0.5's leaderboard suite has 62 tasks
  for (const char* key : {"leaderboard|arc:challenge", "leaderboard|hellaswag", "leaderboard|truthfulqa:mc",
                          "leaderboard|mmlu:abstract_algebra", "leaderboard|mmlu:world_religions",
                          "leaderboard|winogrande", "leaderboard|gsm8k", "lighteval|arc:easy", "lighteval|piqa",
                          "lighteval|super_glue:boolq", "lighteval|lambada:openai", "lighteval|wikitext:2",
                          "harness|wikitext:103:document_level"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  // Suites that are not default suites ("arc", "mmlu") are tags, not registry entries.
  EXPECT_FALSE(r.contains("arc|arc:challenge"));
  EXPECT_FALSE(r.contains("mmlu|mmlu:anatomy"));
}

TEST(Registry, ConfigValuesMatchDefaultTasks) {
  TaskRegistry r = builtin();
  const TaskConfig& arc = r.get("leaderboard|arc:challenge");
  EXPECT_EQ(arc.prompt_function, "arc");
  EXPECT_EQ(arc.hf_repo, "ai2_arc");
  EXPECT_EQ(arc.hf_subset, "ARC-Challenge");
  EXPECT_EQ(arc.few_shots_select, "random_sampling_from_train");
  EXPECT_EQ(arc.generation_size, 1);
  EXPECT_EQ(arc.metric, (std::vector<std::string>{"loglikelihood_acc", "loglikelihood_acc_norm_nospace"}));
  EXPECT_EQ(arc.fewshot_splits(), std::vector<std::string>{"train"});
  EXPECT_EQ(arc.stop_sequence, std::vector<std::string>{"\n"});
  EXPECT_TRUE(arc.trust_dataset);

  const TaskConfig& mmlu = r.get("leaderboard|mmlu:high_school_us_history");
  EXPECT_EQ(mmlu.hf_repo, "lighteval/mmlu");
  EXPECT_EQ(mmlu.hf_subset, "high_school_us_history");
  EXPECT_EQ(mmlu.fewshot_splits(), std::vector<std::string>{"dev"});
  EXPECT_EQ(mmlu.few_shots_select, "sequential");

  // gsm8k: v0.5's ["Question=", "Question", "="] is replaced by upstream's later fix.
  EXPECT_EQ(r.get("leaderboard|gsm8k").stop_sequence, std::vector<std::string>{"Question:"});
  EXPECT_EQ(r.get("leaderboard|gsm8k").generation_size, 256);
  // truthfulqa: no few-shot split, so the pool is the eval split; selection defaults to balanced.
  EXPECT_TRUE(r.get("leaderboard|truthfulqa:mc").fewshot_splits().empty());
  EXPECT_FALSE(r.get("leaderboard|truthfulqa:mc").few_shots_select.has_value());
  EXPECT_EQ(r.get("lighteval|piqa").hf_repo, "ybisk/piqa");
  EXPECT_EQ(r.get("lighteval|lambada:openai").metric, std::vector<std::string>{"target_perplexity"});
  EXPECT_EQ(r.get("harness|wikitext:103:document_level").metric,
            (std::vector<std::string>{"word_perplexity", "byte_perplexity", "bits_per_byte"}));
  // hellaswag's inferred few-shot split: "train" (the first available non-eval split with "train").
  EXPECT_EQ(r.get("leaderboard|hellaswag").fewshot_splits(), std::vector<std::string>{"train"});
  EXPECT_EQ(r.get("lighteval|super_glue:boolq").fewshot_splits(), std::vector<std::string>{"train"});
}

TEST(Registry, ConfigJsonHasV05KeysInOrder) {
  Json j = builtin().get("leaderboard|arc:challenge").to_json();
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "name", "prompt_function", "hf_repo", "hf_subset", "metric", "hf_revision", "hf_filter",
                      "hf_avail_splits", "trust_dataset", "evaluation_splits", "few_shots_split",
                      "few_shots_select", "generation_size", "generation_grammar", "stop_sequence",
                      "output_regex", "num_samples", "suite", "original_num_docs", "effective_num_docs",
                      "must_remove_duplicate_docs", "version", "frozen"}));
  EXPECT_EQ(j["suite"], (Json{"leaderboard", "arc"}));
  auto kv = builtin().get("leaderboard|arc:challenge").key_values();
  EXPECT_EQ(kv[0], (std::pair<std::string, std::string>{"name", "'arc:challenge'"}));
  EXPECT_EQ(kv[7], (std::pair<std::string, std::string>{"hf_avail_splits", "('train', 'test')"}));
  EXPECT_EQ(kv[14], (std::pair<std::string, std::string>{"stop_sequence", "('\\n',)"}));
}

TEST(Registry, UnknownTasksSuggestCloseNames) {
  TaskRegistry r = builtin();
  auto message = [&](const std::string& key) {
    try {
      r.get(key);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("leaderboard|arc:chalenge").find("did you mean leaderboard|arc:challenge"), std::string::npos);
  EXPECT_NE(message("lighteval|hellaswag").find("leaderboard|hellaswag"), std::string::npos);
  std::string none = message("leaderboard|zzzzzzzzzzzzzzzzzzzzzz");
  EXPECT_NE(none.find("unknown task leaderboard|zzzzzzzzzzzzzzzzzzzzzz"), std::string::npos);
  EXPECT_EQ(none.find("did you mean"), std::string::npos);
  EXPECT_THROW(r.parse_specs("leaderboard|arc:challenge|25|0,leaderboard|nope|0|0"), UsageError);
  EXPECT_EQ(r.parse_specs("leaderboard|arc:challenge|25|0").size(), 1u);
}

TEST(Registry, CustomTaskFileAddsTasksAndGroups) {
  auto dir = lighteval::testing::temp_dir("registry");
  auto path = dir / "my_tasks.yaml";
  std::ofstream(path) << R"(tasks:
  - name: mygsm
    suite: [custom]
    prompt_function: gsm8k
    hf_repo: gsm8k
    hf_subset: main
    evaluation_splits: [test]
    metric: quasi_exact_match_gsm8k
  - name: gsm8k
    suite: [leaderboard]
    prompt_function: gsm8k
    hf_repo: somewhere/else
    hf_subset: main
    metric: [quasi_exact_match_gsm8k]
groups:
  both: "custom|mygsm|0|0,leaderboard|gsm8k|5|0"
)";
  TaskRegistry r = builtin();
  r.add_custom_file(path);
  EXPECT_TRUE(r.contains("custom|mygsm"));
  EXPECT_EQ(r.get("custom|mygsm").metric, std::vector<std::string>{"quasi_exact_match_gsm8k"});
  EXPECT_EQ(r.get("leaderboard|gsm8k").hf_repo, "gsm8k");  // the built-in wins, as in v0.5
  auto specs = r.parse_specs("both");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].key(), "custom|mygsm|0");
  EXPECT_THROW(r.add_custom_file(dir / "missing.yaml"), UsageError);
  auto py = dir / "tasks.py";
  std::ofstream(py) << "TASKS_TABLE = []\n";
  EXPECT_THROW(r.add_custom_file(py), UsageError);
}

// v0.5's custom task modules export TASKS_TABLE and TASKS_GROUPS; a YAML file may use those names.
TEST(Registry, TasksTableAndTasksGroupsSpellings) {
  TaskFile f = parse_task_file(R"(TASKS_TABLE:
  - name: mygsm
    prompt_function: gsm8k
    hf_repo: gsm8k
    metric: [quasi_exact_match_gsm8k]
TASKS_GROUPS:
  one: "custom|mygsm|0|0"
  two: ["custom|mygsm|0|0", "custom|mygsm|5|0"]
)",
                               "t.yaml");
  ASSERT_EQ(f.tasks.size(), 1u);
  EXPECT_EQ(f.tasks[0].name, "mygsm");
  EXPECT_EQ(f.groups.at("one"), "custom|mygsm|0|0");
  EXPECT_EQ(f.groups.at("two"), "custom|mygsm|0|0,custom|mygsm|5|0");
  TaskRegistry r = builtin();
  r.add_task_file(f, false);
  auto specs = r.parse_specs("two");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].key(), "custom|mygsm|5");
}

TEST(Registry, BadTaskFilesGiveOneClearError) {
  const std::string ok_fields = "    hf_repo: gsm8k\n    metric: [quasi_exact_match_gsm8k]\n";
  EXPECT_NE(file_error("tasks: [").find("not valid YAML at line"), std::string::npos);
  EXPECT_NE(file_error("- a\n- b\n").find("must be a YAML mapping"), std::string::npos);
  EXPECT_NE(file_error("tasks: []\n").find("non-empty list"), std::string::npos);
  EXPECT_NE(file_error("taks:\n  - name: x\n").find("unknown top-level key 'taks'"), std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - 3\n").find("task #1 must be a mapping"), std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n    metric: [quasi_exact_match_gsm8k]\n")
                .find("task 'x': missing required field 'hf_repo'"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "    colour: red\n")
                .find("unknown field 'colour'"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: nope\n" + ok_fields)
                .find("unknown prompt function 'nope'"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n" + ok_fields).find("exactly one of 'prompt_function'"), std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n    hf_repo: gsm8k\n    metric: [accuracy]\n")
                .find("unknown metric 'accuracy'"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "    generation_size: big\n")
                .find("field 'generation_size' must be an integer"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "    few_shots_select: best\n")
                .find("few_shots_select' is 'best'; it must be one of"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "    trust_dataset: maybe\n")
                .find("must be true or false"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "    suite: {a: 1}\n")
                .find("field 'suite' must be a string or a list of strings"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: a|b\n    prompt_function: gsm8k\n" + ok_fields).find("no '|'"), std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "  - name: x\n    prompt_function: gsm8k\n" + ok_fields)
                .find("defined twice"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "groups: [a]\n")
                .find("'groups' must map"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields + "groups: {g: [a, [b]]}\n")
                .find("or a list of spec strings"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt_function: gsm8k\n" + ok_fields +
                       "TASKS_TABLE:\n  - name: y\n    prompt_function: gsm8k\n" + ok_fields)
                .find("both 'tasks' and 'TASKS_TABLE' are given"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt: {query: '{{ question', choices: c, gold_index: '0'}\n" + ok_fields)
                .find("prompt template 'query' does not parse"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt: {query: q}\n" + ok_fields).find("missing the 'choices' template"),
            std::string::npos);
  EXPECT_NE(file_error("tasks:\n  - name: x\n    prompt: {query: q, choices: c, gold_index: '0', colour: x}\n" + ok_fields)
                .find("unknown key 'colour'"),
            std::string::npos);
}

TEST(Registry, MissingTaskDirectoryIsAClearError) {
  EXPECT_THROW(TaskRegistry::load_builtin(lighteval::testing::temp_dir("empty_tasks") / "nope"), Error);
  EXPECT_THROW(TaskRegistry::load_builtin(lighteval::testing::temp_dir("empty_tasks2")), Error);
}

}  // namespace
}  // namespace lighteval::tasks
