#include "tasks/template_prompt.h"

#include "tasks/text_utils.h"
#include "template/jinja.h"
#include "util/error.h"

namespace lighteval::tasks {

namespace {

// The expression of a template that is exactly one "{{ expr }}" (surrounding blanks allowed).
bool single_expression(const std::string& tpl, std::string& expr) {
  std::string t = text::strip(tpl);
  if (t.size() < 4 || t.compare(0, 2, "{{") != 0 || t.compare(t.size() - 2, 2, "}}") != 0) return false;
  std::string inner = t.substr(2, t.size() - 4);
  if (inner.find("{{") != std::string::npos || inner.find("}}") != std::string::npos ||
      inner.find("{%") != std::string::npos) {
    return false;
  }
  if (!inner.empty() && inner.front() == '-') inner.erase(0, 1);  // whitespace control
  if (!inner.empty() && inner.back() == '-') inner.pop_back();
  expr = inner;
  return true;
}

std::string render_field(const std::string& tpl, const Json& row, const std::string& task,
                         const char* field) {
  try {
    // Prompts are whitespace-exact: a trailing "\n" the task author wrote stays (jinja2 would
    // drop one unless keep_trailing_newline is set).
    jinja::Options options;
    options.keep_trailing_newline = true;
    return jinja::render(tpl, row, options);
  } catch (const Error& e) {
    throw Error("task " + task + ": prompt template '" + field + "' failed on a dataset row: " + e.what());
  }
}

Json evaluate_field(const std::string& expr, const Json& row, const std::string& task,
                    const char* field) {
  try {
    return jinja::evaluate(expr, row);
  } catch (const Error& e) {
    throw Error("task " + task + ": prompt template '" + field + "' failed on a dataset row: " + e.what());
  }
}

std::string as_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

void validate_prompt_template(const PromptTemplate& p, const std::string& where) {
  auto check = [&](const std::string& tpl, const char* field) {
    try {
      (void)jinja::Template::parse(tpl);
    } catch (const Error& e) {
      throw Error(where + ": prompt template '" + field + "' does not parse: " + e.what());
    }
  };
  check(p.query, "query");
  check(p.choices, "choices");
  check(p.gold_index, "gold_index");
  if (p.instruction) check(*p.instruction, "instruction");
  if (p.target_for_fewshot_sorting) check(*p.target_for_fewshot_sorting, "target_for_fewshot_sorting");
  if (p.original_query) check(*p.original_query, "original_query");
}

std::vector<Doc> apply_prompt_template(const PromptTemplate& p, const Json& row,
                                       const std::string& task) {
  Doc d;
  d.task_name = task;
  d.query = render_field(p.query, row, task, "query");
  if (p.instruction) d.instruction = render_field(*p.instruction, row, task, "instruction");
  if (p.original_query) d.original_query = render_field(*p.original_query, row, task, "original_query");
  if (p.target_for_fewshot_sorting) {
    d.target_for_fewshot_sorting =
        render_field(*p.target_for_fewshot_sorting, row, task, "target_for_fewshot_sorting");
  }
  std::string expr;
  if (single_expression(p.choices, expr)) {
    Json v = evaluate_field(expr, row, task, "choices");
    if (v.is_array()) {
      for (const auto& c : v) d.choices.push_back(as_text(c));
    } else if (v.is_null()) {
      throw Error("task " + task + ": prompt template 'choices' gave nothing (undefined) for a row");
    } else {
      d.choices.push_back(as_text(v));
    }
  } else {
    d.choices.push_back(render_field(p.choices, row, task, "choices"));
  }
  auto to_index = [&](const Json& v) -> int64_t {
    int64_t out = 0;
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_string() && text::parse_python_int(v.get<std::string>(), out)) return out;
    throw Error("task " + task + ": prompt template 'gold_index' gave " + v.dump().substr(0, 60) +
                ", not an integer or a list of integers");
  };
  Json gold;
  if (single_expression(p.gold_index, expr)) {
    gold = evaluate_field(expr, row, task, "gold_index");
  } else {
    gold = Json(render_field(p.gold_index, row, task, "gold_index"));
  }
  if (gold.is_array()) {
    d.gold_index_is_list = true;
    for (const auto& g : gold) d.gold_index.push_back(to_index(g));
  } else {
    d.gold_index.push_back(to_index(gold));
  }
  int64_t n = static_cast<int64_t>(d.choices.size());
  for (int64_t g : d.gold_index) {
    if (g < -n || g >= n) {
      throw Error("task " + task + ": gold index " + std::to_string(g) + " is out of range for " +
                  std::to_string(n) + " choices; check the 'gold_index' and 'choices' templates");
    }
  }
  return {d};
}

}  // namespace lighteval::tasks
