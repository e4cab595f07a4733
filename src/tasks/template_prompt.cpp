#include "tasks/template_prompt.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "tasks/text_utils.h"
#include "template/jinja.h"
#include "util/error.h"

namespace lighteval::tasks {

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Ident {
  std::string word;
  char before = 0;        // the last non-blank character before it (0 at the start)
  std::string prev_word;  // the identifier right before it, if nothing else came between
  bool kwarg = false;     // followed by a single '=' (a keyword argument or an assignment)
  size_t offset = 0;
};

// The identifiers of one {{ }} / {% %} body, skipping string and number literals.
std::vector<Ident> identifiers(const std::string& body) {
  std::vector<Ident> out;
  char before = 0;
  std::string prev_word;
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '\'' || c == '"') {
      size_t j = i + 1;
      while (j < body.size() && body[j] != c) j += body[j] == '\\' ? 2 : 1;
      i = j + 1;
      before = c;
      prev_word.clear();
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < body.size() && (ident_char(body[i]) || body[i] == '.')) ++i;
      before = '0';
      prev_word.clear();
    } else if (ident_start(c)) {
      size_t j = i;
      while (j < body.size() && ident_char(body[j])) ++j;
      size_t k = j;
      while (k < body.size() && std::isspace(static_cast<unsigned char>(body[k]))) ++k;
      Ident id{body.substr(i, j - i), before, prev_word, false, i};
      id.kwarg = k < body.size() && body[k] == '=' && (k + 1 >= body.size() || body[k + 1] != '=');
      prev_word = id.word;
      before = 'a';
      out.push_back(std::move(id));
      i = j;
    } else {
      before = c;
      prev_word.clear();
      ++i;
    }
  }
  return out;
}

// The variables a template reads from its context: identifiers in {{ }} and {% %} that are not
// attributes (after '.'), filters (after '|'), tests (after 'is'), keyword arguments, Jinja
// keywords or globals, or names the template binds itself (set, for, macro). Used to catch a
// misspelt column, which Jinja's default Undefined would otherwise render as "".
std::vector<std::string> free_names(const std::string& tpl) {
  static const std::set<std::string> reserved = {
      "and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "endfor", "set", "endset",
      "true", "false", "none", "True", "False", "None", "loop", "range", "namespace", "dict", "lipsum",
      "cycler", "joiner", "macro", "endmacro", "call", "endcall", "filter", "endfilter", "raw", "endraw",
      "with", "endwith", "recursive", "caller", "varargs", "kwargs", "self", "raise_exception", "strftime_now"};
  std::set<std::string> bound;
  std::vector<std::string> used;
  for (size_t pos = tpl.find('{'); pos != std::string::npos; pos = tpl.find('{', pos)) {
    if (pos + 1 >= tpl.size() || (tpl[pos + 1] != '{' && tpl[pos + 1] != '%')) {
      ++pos;
      continue;
    }
    const bool statement = tpl[pos + 1] == '%';
    const size_t end = tpl.find(statement ? "%}" : "}}", pos + 2);
    const std::string body = tpl.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
    pos = end == std::string::npos ? tpl.size() : end + 2;
    const std::vector<Ident> ids = identifiers(body);
    size_t first_used = 0;  // ids before this index are the statement's own head
    if (statement && !ids.empty()) {
      const std::string& head = ids[0].word;
      first_used = 1;
      if (head == "set") {  // {% set a, b = expr %} / {% set a %}...{% endset %}
        while (first_used < ids.size() && (first_used == 1 || ids[first_used].before == ',')) {
          bound.insert(ids[first_used].word);
          ++first_used;
        }
      } else if (head == "for") {  // {% for a, b in expr %}
        while (first_used < ids.size() && ids[first_used].word != "in") bound.insert(ids[first_used++].word);
      } else if (head == "macro") {  // {% macro name(p, q=default) %}: nothing read from the row
        for (const auto& id : ids) bound.insert(id.word);
        first_used = ids.size();
      }
    }
    for (size_t i = first_used; i < ids.size(); ++i) {
      const Ident& id = ids[i];
      if (id.before == '.' || id.before == '|' || id.prev_word == "is" || id.kwarg || reserved.count(id.word)) continue;
      used.push_back(id.word);
    }
  }
  std::vector<std::string> out;
  for (const auto& w : used)
    if (!bound.count(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  return out;
}

// A misspelt column renders as "" under Jinja's default Undefined: refuse it in one line. A
// template that tests for optional columns (is defined, default) is left alone.
void check_columns(const std::string& tpl, const Json& row, const std::string& task, const char* field) {
  if (tpl.find("defined") != std::string::npos || tpl.find("default") != std::string::npos) return;
  for (const auto& name : free_names(tpl)) {
    if (row.contains(name)) continue;
    std::string columns;
    for (const auto& [k, v] : row.items())
      if (k != "__few_shots") columns += (columns.empty() ? "" : ", ") + k;
    throw Error("task " + task + ": prompt template '" + field + "' uses '" + name +
                "', which the dataset rows do not have (columns: " + columns + ")");
  }
}

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
  check_columns(tpl, row, task, field);
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
  check_columns("{{" + expr + "}}", row, task, field);
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
