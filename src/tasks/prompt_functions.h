// tasks/prompt_functions: lighteval v0.5's prompt functions (default_prompts.py), registered by
// name: a dataset row (JSON object, plus "__few_shots": bool) and the task name "suite|task" give
// zero or more Docs (zero = the row is skipped, as a Python None). Strings are byte-identical to
// v0.5. Only the functions of the built-in tasks exist; a custom task names one of them or uses
// templates (tasks/template_prompt.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tasks/doc.h"
#include "util/json.h"

namespace lighteval::tasks {

using PromptFunction = std::function<std::vector<Doc>(const Json& row, const std::string& task_name)>;

// nullptr when unknown.
const PromptFunction* find_prompt_function(const std::string& name);
// Sorted names of the registered functions (for messages and `tasks --list`).
std::vector<std::string> prompt_function_names();

}  // namespace lighteval::tasks
