// tasks/prepare: from a task config and its requested shot counts to the evaluation docs with
// their full prompts, exactly as lighteval v0.5's create_requests_from_tasks + PromptManager do:
// rows of each evaluation split through the prompt function, random.Random(42).shuffle, the first
// max_samples, then for seed in seeds, for doc, for (k, truncate) the few-shot examples drawn by
// the task's FewShotSampler (the same Random(42) continues for the *_sampling selections) and the
// prompt assembled (plain text or chat messages rendered by the pipeline's callback).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tasks/doc.h"
#include "tasks/task_config.h"
#include "tasks/task_spec.h"
#include "util/json.h"

namespace lighteval::tasks {

// Rows of one split: (hf_repo, hf_subset, split, hf_revision) -> JSON objects.
using RowLoader = std::function<std::vector<Json>(const std::string& repo, const std::string& subset,
                                                  const std::string& split,
                                                  const std::optional<std::string>& revision)>;
// Token count of a prompt as the model's tokenizer sees it (with special tokens); nullopt when
// the model has no tokenizer (then few-shot truncation is skipped).
using TokenCounter = std::function<std::optional<size_t>(const std::string& text)>;
// Renders a chat message list (JSON array of {role, content}) with the model's chat template and
// add_generation_prompt; nullopt when the model has none.
using ChatRenderer = std::function<std::optional<std::string>(const Json& messages)>;

// The data module's loader (data::load_split: Hub repo, cache or local directory).
RowLoader default_row_loader();

struct PrepareOptions {
  std::optional<size_t> max_samples;
  int num_fewshot_seeds = 1;
  std::optional<std::string> system_prompt;
  bool use_chat_template = false;
  TokenCounter count_tokens;  // needed when a spec asks truncate_fewshot
  std::optional<size_t> max_length;  // the model's max length, for truncation
  ChatRenderer render_chat;  // needed with use_chat_template
  RowLoader load_rows;  // empty = default_row_loader()
};

struct PreparedDoc {
  Doc doc;  // ctx, num_asked_few_shots, num_effective_few_shots set
  std::string sample_id;  // "{doc_index}_{seed}"
  size_t doc_index = 0;  // position after the shuffle
  int num_fewshot = 0;
  bool truncate_fewshot = false;
  int seed = 0;
  std::string task_key() const { return doc.task_name; }  // "suite|task"
  std::string spec_key() const { return doc.task_name + "|" + std::to_string(num_fewshot); }
};

struct PreparedTask {
  std::vector<PreparedDoc> docs;  // in v0.5's order: seed, doc, spec
  size_t original_num_docs = 0;  // eval docs before max_samples
  size_t effective_num_docs = 0;  // after max_samples
};

// `specs` are the specs of this task (one TaskSelection's). Throws Error for data or prompt
// problems (missing split, a row the prompt function cannot read, a query that does not start
// with its instruction, chat template requested but none rendered).
PreparedTask prepare_task(const TaskConfig& config, const std::vector<TaskSpec>& specs,
                          const PrepareOptions& options);
inline std::vector<PreparedDoc> prepare_docs(const TaskConfig& config,
                                             const std::vector<TaskSpec>& specs,
                                             const PrepareOptions& options) {
  return prepare_task(config, specs, options).docs;
}

// The evaluation docs in v0.5's order (after Random(42).shuffle), without few-shot context.
// `task_name` is the "suite|task" the docs are labelled with.
std::vector<Doc> load_eval_docs(const TaskConfig& config, const std::string& task_name,
                                const RowLoader& load_rows);
// The docs of the given splits, in order, through the prompt function (rows get "__few_shots").
std::vector<Doc> load_docs(const TaskConfig& config, const std::string& task_name,
                           const std::vector<std::string>& splits, bool few_shots,
                           const RowLoader& load_rows);

// `lighteval tasks --inspect`: the first n prepared docs of one spec (0-shot context unless the
// spec asks for shots), each as Doc::to_json.
Json inspect_docs(const TaskConfig& config, const TaskSpec& spec, size_t n,
                  const PrepareOptions& options);

}  // namespace lighteval::tasks
