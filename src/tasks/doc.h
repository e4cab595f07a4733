// tasks/doc: one evaluation example as lighteval v0.5's tasks.requests.Doc holds it: the query
// built by a prompt function, the choices, the gold indices, and, once the few-shot context is
// added, the full prompt (ctx).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::tasks {

struct Doc {
  std::string query;
  std::vector<std::string> choices;
  bool choices_none = false;  // the prompt function gave choices=None (perplexity tasks)
  // Always a list here; gold_index_is_list records whether v0.5 stored an int or a list (it
  // changes only how the doc is printed). Empty with is_list false = None.
  std::vector<int64_t> gold_index;
  bool gold_index_is_list = false;
  std::string original_query;
  Json specific;  // null or an object (truthfulqa: {"len_mc1": n})
  std::string task_name;  // "suite|task"
  std::string instruction;
  std::optional<std::string> target_for_fewshot_sorting;
  std::string ctx;  // the full prompt, filled by prepare_docs
  int num_asked_few_shots = -1;
  int num_effective_few_shots = -1;
  std::optional<std::string> unconditioned_query;

  // Doc.get_golds(): choices[i] for each gold index (Python indexing: -1 is the last). With
  // few_shot and a target_for_fewshot_sorting, that string alone.
  std::vector<std::string> get_golds(bool few_shot = false) const;
  // The query without its instruction prefix (PromptManager.doc_to_text); throws Error when the
  // query does not start with the instruction, as v0.5 raises ValueError.
  std::string query_without_instruction() const;
  // dataclasses.asdict(doc) as JSON, keys in v0.5's field order.
  Json to_json() const;
  // Equality of what the prompt function produced (every field except ctx and the few-shot
  // counters): the test v0.5 uses to keep a doc out of its own few-shot examples.
  bool same_example(const Doc& other) const;
};

}  // namespace lighteval::tasks
