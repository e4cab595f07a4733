#include "tasks/doc.h"

#include "util/error.h"

namespace lighteval::tasks {

namespace {

// Python list indexing, negative indices from the end (v0.5 stores -1 for unlabelled rows).
const std::string& at_python_index(const std::vector<std::string>& v, int64_t i,
                                   const std::string& task_name) {
  int64_t n = static_cast<int64_t>(v.size());
  int64_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) {
    throw Error("task " + task_name + ": gold index " + std::to_string(i) + " is out of range for " +
                std::to_string(n) + " choices; check the dataset row or the prompt's gold_index");
  }
  return v[static_cast<size_t>(j)];
}

}  // namespace

std::vector<std::string> Doc::get_golds(bool few_shot) const {
  if (few_shot && target_for_fewshot_sorting) return {*target_for_fewshot_sorting};
  std::vector<std::string> golds;
  golds.reserve(gold_index.size());
  for (int64_t i : gold_index) golds.push_back(at_python_index(choices, i, task_name));
  return golds;
}

std::string Doc::query_without_instruction() const {
  if (query.compare(0, instruction.size(), instruction) != 0) {
    throw Error("task " + task_name + ": the prompt query does not start with its instruction (\"" +
                instruction.substr(0, 60) + "\"); fix the prompt function or template so that the "
                "query begins with the instruction");
  }
  return query.substr(instruction.size());
}

Json Doc::to_json() const {
  Json j = Json::object();
  j["query"] = query;
  if (choices_none) {
    j["choices"] = nullptr;
  } else {
    j["choices"] = choices;
  }
  if (gold_index_is_list) {
    j["gold_index"] = gold_index;
  } else if (gold_index.empty()) {
    j["gold_index"] = nullptr;
  } else {
    j["gold_index"] = gold_index.front();
  }
  j["original_query"] = original_query;
  j["specific"] = specific;
  j["task_name"] = task_name;
  j["instruction"] = instruction;
  j["target_for_fewshot_sorting"] =
      target_for_fewshot_sorting ? Json(*target_for_fewshot_sorting) : Json(nullptr);
  j["ctx"] = ctx;
  j["num_asked_few_shots"] = num_asked_few_shots;
  j["num_effective_few_shots"] = num_effective_few_shots;
  j["unconditioned_query"] = unconditioned_query ? Json(*unconditioned_query) : Json(nullptr);
  return j;
}

bool Doc::same_example(const Doc& o) const {
  return query == o.query && choices == o.choices && choices_none == o.choices_none && gold_index == o.gold_index &&
         gold_index_is_list == o.gold_index_is_list && original_query == o.original_query &&
         specific == o.specific && task_name == o.task_name && instruction == o.instruction &&
         target_for_fewshot_sorting == o.target_for_fewshot_sorting &&
         unconditioned_query == o.unconditioned_query;
}

}  // namespace lighteval::tasks
