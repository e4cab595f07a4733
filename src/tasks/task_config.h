// tasks/task_config: LightevalTaskConfig (v0.5) as data. Built-in configs live in tasks/*.yaml at
// the repository root (installed to share/lighteval/tasks); custom task files use the same format:
//
//   tasks:
//     - name: arc:challenge
//       suite: [leaderboard, arc]
//       prompt_function: arc            # a built-in prompt function, or:
//       prompt: {query: "Question: {{question}}\nAnswer:", choices: "{{choices.text}}",
//                gold_index: "{{choices.label.index(answerKey)}}"}   # Jinja templates over the row
//       hf_repo: ai2_arc
//       ...
//   groups:                             # TASKS_GROUPS: a name usable as the whole --tasks value
//     my_group: "custom|mytask|0|0,leaderboard|gsm8k|5|0"
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace lighteval::tasks {

// Template fields of a custom task's prompt (each a Jinja template over the dataset row).
struct PromptTemplate {
  std::string query;
  std::string choices;  // one "{{ expr }}" yielding a list, or text rendered as a single choice
  std::string gold_index;  // one "{{ expr }}" yielding an int or a list of ints
  std::optional<std::string> instruction;
  std::optional<std::string> target_for_fewshot_sorting;
  std::optional<std::string> original_query;
};

struct TaskConfig {
  std::string name;
  std::vector<std::string> suite{"custom"};
  std::string prompt_function;  // a built-in prompt function name; empty when `prompt` is set
  std::optional<PromptTemplate> prompt;
  std::string hf_repo;
  std::string hf_subset;
  std::vector<std::string> metric;  // v0.5 Metrics enum names, e.g. "loglikelihood_acc"
  std::optional<std::string> hf_revision;
  std::vector<std::string> hf_avail_splits{"train", "validation", "test"};
  bool trust_dataset = false;
  std::vector<std::string> evaluation_splits{"validation"};
  std::optional<std::string> few_shots_split;
  std::optional<std::string> few_shots_select;  // null = balanced
  std::optional<int> generation_size;
  std::optional<std::vector<std::string>> stop_sequence;
  std::optional<std::string> output_regex;
  std::optional<std::vector<int>> num_samples;
  int original_num_docs = -1;
  int effective_num_docs = -1;
  bool must_remove_duplicate_docs = false;
  int version = 0;
  bool frozen = false;
  std::string source;  // the YAML file it came from (for messages)

  // The split(s) few-shot examples come from: few_shots_split, else v0.5's inference (the first
  // available non-eval split containing "train", then "dev", "valid", "default"); empty = the
  // evaluation splits themselves.
  std::vector<std::string> fewshot_splits() const;
  // v0.5's config_tasks entry (asdict), with `metric` as the list of metric names; the pipeline
  // replaces it with the metric objects it knows.
  Json to_json() const;
  // (key, value) rows as `lighteval tasks --inspect --show_config` prints them (Python repr).
  std::vector<std::pair<std::string, std::string>> key_values() const;
};

// A parsed task file: configs in file order and the named groups.
struct TaskFile {
  std::vector<TaskConfig> tasks;
  std::map<std::string, std::string> groups;
};

// Loads a task YAML file. Throws Error naming the file (and task) for: unreadable file, YAML
// syntax error (with line), unknown key, wrong type, missing name/hf_repo/metric, neither or both
// of prompt_function and prompt, unknown prompt function, unknown few_shots_select, a prompt
// template that does not parse.
TaskFile load_task_file(const std::filesystem::path& path);
// Same, from text (tests, fuzzing); `origin` names it in messages.
TaskFile parse_task_file(const std::string& yaml_text, const std::string& origin);

}  // namespace lighteval::tasks
