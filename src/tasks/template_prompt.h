// tasks/template_prompt: a custom task's prompt given as Jinja templates over the dataset row
// (the row's columns are the template variables, plus __few_shots). `query`, `instruction`,
// `original_query` and `target_for_fewshot_sorting` are rendered to text. `choices` and
// `gold_index` that are exactly one "{{ expr }}" are evaluated to native values (a list of
// strings; an int or a list of ints); otherwise they are rendered (one choice; a decimal index).
// Rendering is done by the template module (src/template). A variable that is neither a column
// of the row nor bound by the template is refused with a clear error (Jinja would render it as
// ""), unless the template guards optional columns with `is defined` or `default`.
#pragma once

#include <string>
#include <vector>

#include "tasks/doc.h"
#include "tasks/task_config.h"
#include "util/json.h"

namespace lighteval::tasks {

// Throws Error (naming `where` and the field) when a template does not parse.
void validate_prompt_template(const PromptTemplate& prompt, const std::string& where);
// One Doc for `row`; throws Error naming the task and field when rendering fails or the values
// have the wrong type.
std::vector<Doc> apply_prompt_template(const PromptTemplate& prompt, const Json& row,
                                       const std::string& task_name);

}  // namespace lighteval::tasks
