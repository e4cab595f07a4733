// The prompt functions of lighteval v0.5's src/lighteval/tasks/default_prompts.py used by the
// built-in tasks, re-expressed in C++ with the same output strings.
#include "tasks/prompt_functions.h"

#include <algorithm>
#include <map>

#include "tasks/text_utils.h"
#include "util/error.h"

namespace lighteval::tasks {

namespace {

[[noreturn]] void bad_row(const std::string& task, const std::string& what) {
  throw Error("task " + task + ": dataset row " + what +
              "; check that the task's hf_repo/hf_subset point at the dataset it expects");
}

const Json& field(const Json& row, const std::string& key, const std::string& task) {
  if (!row.is_object() || !row.contains(key)) bad_row(task, "has no column '" + key + "'");
  return row.at(key);
}

std::string str(const Json& row, const std::string& key, const std::string& task) {
  const Json& v = field(row, key, task);
  if (!v.is_string()) bad_row(task, "column '" + key + "' is not a string");
  return v.get<std::string>();
}

std::vector<std::string> str_list(const Json& v, const std::string& what, const std::string& task) {
  if (!v.is_array()) bad_row(task, what + " is not a list");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) bad_row(task, what + " holds a non-string value");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Python int(x) for a column that is an int, a bool or a decimal string.
int64_t to_int(const Json& v, const std::string& what, const std::string& task) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_integer()) return v.get<int64_t>();
  int64_t out = 0;
  if (v.is_string() && text::parse_python_int(v.get<std::string>(), out)) return out;
  bad_row(task, what + " is not an integer (" + v.dump().substr(0, 40) + ")");
}

Doc make_doc(const std::string& task, std::string query, std::vector<std::string> choices,
             int64_t gold) {
  Doc d;
  d.task_name = task;
  d.query = std::move(query);
  d.choices = std::move(choices);
  d.gold_index = {gold};
  return d;
}

std::vector<std::string> prefixed(const std::vector<std::string>& v, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(prefix + s);
  return out;
}

const char* const kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::vector<Doc> arc(const Json& row, const std::string& task) {
  const Json& choices = field(row, "choices", task);
  if (!choices.is_object() || !choices.contains("text") || !choices.contains("label")) {
    bad_row(task, "column 'choices' is not {text, label}");
  }
  auto text = str_list(choices["text"], "choices.text", task);
  auto labels = str_list(choices["label"], "choices.label", task);
  std::string key = str(row, "answerKey", task);
  auto it = std::find(labels.begin(), labels.end(), key);
  if (it == labels.end()) bad_row(task, "answerKey '" + key + "' is not among choices.label");
  return {make_doc(task, "Question: " + str(row, "question", task) + "\nAnswer:",
                   prefixed(text, " "), it - labels.begin())};
}

// The harness's HellaSwag preprocessing: " [title]" -> ". ", then drop "[...]" spans (no
// newline inside, as Python's '.' does not match one), then "  " -> " " once, left to right.
std::string hellaswag_preprocess(const std::string& in) {
  std::string s = text::replace_all(in, " [title]", ". ");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != ']' && s[j] != '\n') ++j;
      if (j < s.size() && s[j] == ']') {
        i = j;
        continue;
      }
    }
    out += s[i];
  }
  return text::replace_all(out, "  ", " ");
}

std::vector<Doc> hellaswag_harness(const Json& row, const std::string& task) {
  std::string ctx = str(row, "ctx_a", task) + " " + text::capitalize(str(row, "ctx_b", task)) + " ";
  std::vector<std::string> choices;
  for (const auto& e : str_list(field(row, "endings", task), "endings", task)) {
    choices.push_back(hellaswag_preprocess(e));
  }
  const Json& label = field(row, "label", task);
  int64_t gold = (label.is_string() && label.get<std::string>().empty()) ? -1 : to_int(label, "label", task);
  return {make_doc(task, hellaswag_preprocess(str(row, "activity_label", task) + ": " + ctx),
                   std::move(choices), gold)};
}

std::vector<Doc> truthful_qa_multiple_choice(const Json& row, const std::string& task) {
  static const std::string pre =
      "Q: What is human life expectancy in the United States?\nA: Human life expectancy in the "
      "United States is 78 years.\n\nQ: Who was president of the United States in 1955?\nA: Dwight "
      "D. Eisenhower was president of the United States in 1955.\n\nQ: Which party did he belong "
      "to?\nA: He belonged to the Republican Party.\n\nQ: What is the square root of banana?\nA: I "
      "have no comment.\n\nQ: How does a telescope work?\nA: Telescopes use lenses or mirrors to "
      "focus light and make objects appear closer.\n\nQ: Where were the 1992 Olympics held?\nA: The "
      "1992 Olympics were held in Barcelona, Spain.\n\n";
  Doc d;
  d.task_name = task;
  d.query = pre + "Q: " + str(row, "question", task) + "\nA:";
  std::vector<int64_t> labels;
  size_t len_mc1 = 0;
  for (const char* key : {"mc1_targets", "mc2_targets"}) {
    const Json& t = field(row, key, task);
    if (!t.is_object() || !t.contains("choices") || !t.contains("labels") || !t["labels"].is_array()) {
      bad_row(task, std::string("column '") + key + "' is not {choices, labels}");
    }
    auto choices = str_list(t["choices"], std::string(key) + ".choices", task);
    if (std::string(key) == "mc1_targets") len_mc1 = choices.size();
    for (const auto& c : choices) d.choices.push_back(" " + c);
    for (const auto& l : t["labels"]) labels.push_back(to_int(l, std::string(key) + ".labels", task));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == 1) d.gold_index.push_back(static_cast<int64_t>(i));
  }
  d.gold_index_is_list = true;
  d.specific = Json{{"len_mc1", len_mc1}};
  return {d};
}

std::vector<Doc> mmlu_harness(const Json& row, const std::string& task) {
  std::string topic = text::replace_all(str(row, "subject", task), "_", " ");
  std::string instruction = "The following are multiple choice questions (with answers) about " + topic + ".\n\n";
  std::string query = instruction + str(row, "question", task) + "\n";
  auto choices = str_list(field(row, "choices", task), "choices", task);
  for (size_t i = 0; i < choices.size() && i < 26; ++i) {
    query += std::string(1, kLetters[i]) + ". " + choices[i] + "\n";
  }
  query += "Answer:";
  const Json& answer = field(row, "answer", task);
  int64_t gold = 0;
  if (answer.is_string()) {
    std::string a = answer.get<std::string>();
    const char* p = a.size() == 1 ? std::strchr(kLetters, a[0]) : nullptr;
    if (!p || a[0] == '\0') bad_row(task, "answer '" + a + "' is not a letter A-Z");
    gold = p - kLetters;
  } else {
    gold = to_int(answer, "answer", task);
  }
  static const std::vector<std::string> targets{" A", " B", " C", " D"};
  if (gold < -4 || gold > 3) bad_row(task, "answer " + std::to_string(gold) + " is not one of A-D");
  Doc d = make_doc(task, query, targets, gold);
  d.instruction = instruction;
  d.target_for_fewshot_sorting = targets[static_cast<size_t>(gold < 0 ? gold + 4 : gold)];
  return {d};
}

std::vector<Doc> winogrande(const Json& row, const std::string& task) {
  auto parts = text::split(str(row, "sentence", task), "_");
  if (parts.size() != 2) bad_row(task, "sentence does not contain exactly one '_' blank");
  std::string end = text::strip(parts[1]);
  std::string answer = str(row, "answer", task);
  int64_t gold = answer.empty() ? -1 : to_int(Json(answer), "answer", task) - 1;
  return {make_doc(task, parts[0],
                   {str(row, "option1", task) + " " + end, str(row, "option2", task) + " " + end}, gold)};
}

std::vector<Doc> gsm8k(const Json& row, const std::string& task) {
  return {make_doc(task, "Question: " + str(row, "question", task) + "\nAnswer:",
                   {" " + str(row, "answer", task)}, 0)};
}

std::vector<Doc> piqa_harness(const Json& row, const std::string& task) {
  return {make_doc(task, "Question: " + str(row, "goal", task) + "\nAnswer:",
                   {" " + str(row, "sol1", task), " " + str(row, "sol2", task)},
                   to_int(field(row, "label", task), "label", task))};
}

std::vector<Doc> boolq_harness(const Json& row, const std::string& task) {
  return {make_doc(task,
                   str(row, "passage", task) + "\nQuestion: " + str(row, "question", task) + "?\nAnswer:",
                   {" no", " yes"}, to_int(field(row, "label", task), "label", task))};
}

std::vector<Doc> lambada(const Json& row, const std::string& task) {
  std::string t = str(row, "text", task);
  size_t pos = t.rfind(' ');
  if (pos == std::string::npos) bad_row(task, "text has no space to split off the last word");
  return {make_doc(task, t.substr(0, pos), {" " + t.substr(pos + 1)}, 0)};
}

std::vector<Doc> wikitext(const Json& row, const std::string& task) {
  std::string t = str(row, "text", task);
  if (t.empty() || t[0] == '=') return {};
  Doc d = make_doc(task, t + " ", {}, 0);
  d.choices_none = true;
  return {d};
}

// re.sub(open \s* ([^close]*?) \s* close, open \1 close): every bracketed span loses the
// whitespace just inside its brackets (ASCII whitespace; the spans never hold other kinds).
std::string tighten_spans(const std::string& s, char open, char close) {
  auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == open) {
      size_t j = s.find(close, i + 1);
      if (j != std::string::npos) {
        size_t b = i + 1, e = j;
        while (b < e && is_ws(s[b])) ++b;
        while (e > b && is_ws(s[e - 1])) --e;
        out += open;
        out.append(s, b, e - b);
        out += close;
        i = j + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::string wikitext_detokenizer(std::string s) {
  using text::replace_all;
  s = replace_all(s, "s '", "s'");
  // v0.5 writes re.sub(r"/' [0-9]/", r"/'[0-9]/", ...): literal slashes, a literal replacement.
  {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      if (i + 5 <= s.size() && s.compare(i, 3, "/' ") == 0 && s[i + 3] >= '0' && s[i + 3] <= '9' &&
          s[i + 4] == '/') {
        out += "/'[0-9]/";
        i += 5;
      } else {
        out += s[i++];
      }
    }
    s = out;
  }
  s = replace_all(s, " @-@ ", "-");
  s = replace_all(s, " @,@ ", ",");
  s = replace_all(s, " @.@ ", ".");
  s = replace_all(s, " : ", ": ");
  s = replace_all(s, " ; ", "; ");
  s = replace_all(s, " . ", ". ");
  s = replace_all(s, " ! ", "! ");
  s = replace_all(s, " ? ", "? ");
  s = replace_all(s, " , ", ", ");
  s = tighten_spans(s, '(', ')');
  s = tighten_spans(s, '[', ']');
  s = tighten_spans(s, '{', '}');
  s = tighten_spans(s, '"', '"');
  s = tighten_spans(s, '\'', '\'');
  s = replace_all(s, "= = = =", "====");
  s = replace_all(s, "= = =", "===");
  s = replace_all(s, "= =", "==");
  s = replace_all(s, " \xc2\xb0 ", "\xc2\xb0");
  s = replace_all(s, " \n", "\n");
  s = replace_all(s, "\n ", "\n");
  s = replace_all(s, " N ", " 1 ");
  s = replace_all(s, " 's", "'s");
  return s;
}

std::vector<Doc> wikitext_harness(const Json& row, const std::string& task) {
  std::string page = str(row, "page", task);
  Doc d;
  d.task_name = task;
  d.query = wikitext_detokenizer(page);
  d.original_query = page;
  d.choices_none = true;
  return {d};
}

const std::map<std::string, PromptFunction>& table() {
  static const std::map<std::string, PromptFunction> t{
      {"arc", arc},
      {"boolq_harness", boolq_harness},
      {"gsm8k", gsm8k},
      {"hellaswag_harness", hellaswag_harness},
      {"lambada", lambada},
      {"mmlu_harness", mmlu_harness},
      {"piqa_harness", piqa_harness},
      {"truthful_qa_multiple_choice", truthful_qa_multiple_choice},
      {"wikitext", wikitext},
      {"wikitext_harness", wikitext_harness},
      {"winogrande", winogrande},
  };
  return t;
}

}  // namespace

const PromptFunction* find_prompt_function(const std::string& name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

std::vector<std::string> prompt_function_names() {
  std::vector<std::string> names;
  for (const auto& [k, v] : table()) names.push_back(k);
  return names;
}

}  // namespace lighteval::tasks
