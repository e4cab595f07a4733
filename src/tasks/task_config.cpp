#include "tasks/task_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "tasks/prompt_functions.h"
#include "tasks/template_prompt.h"
#include "util/error.h"

namespace lighteval::tasks {

namespace {

const std::vector<std::string>& known_metric_names() {
  // lighteval v0.5's Metrics enum (src/lighteval/metrics/metrics.py).
  static const std::vector<std::string> names{
      "acc_golds_likelihood", "bert_score", "bits_per_byte", "bleu", "bleu_1", "bleu_4", "bleurt",
      "byte_perplexity", "chrf", "copyright", "drop", "exact_match", "extractiveness",
      "f1_score_quasi", "f1_score", "f1_score_macro", "f1_score_micro", "faithfulness",
      "llm_judge_multi_turn_gpt3p5", "llm_judge_multi_turn_llama_3_405b", "llm_judge_gpt3p5",
      "llm_judge_llama_3_405b", "loglikelihood_acc", "loglikelihood_acc_norm",
      "loglikelihood_acc_norm_nospace", "loglikelihood_acc_norm_single_token",
      "loglikelihood_acc_single_token", "loglikelihood_f1", "loglikelihood_f1_single_token", "mcc",
      "mcc_single_token", "maj_at_4_math", "maj_at_5", "maj_at_8", "maj_at_8_gsm8k", "mrr",
      "mrr_single_token", "multi_f1_numeric", "perfect_exact_match", "prediction_perplexity",
      "prefix_exact_match", "prefix_quasi_exact_match", "quasi_exact_match",
      "quasi_exact_match_math", "quasi_exact_match_triviaqa", "quasi_exact_match_gsm8k",
      "recall_at_1_single_token", "recall_at_2_single_token", "recall_at_1", "recall_at_2",
      "rouge_t5", "rouge1", "rouge2", "target_perplexity", "ter", "truthfulqa_mc_metrics",
      "word_perplexity"};
  return names;
}

const std::vector<std::string>& few_shot_selections() {
  static const std::vector<std::string> v{"balanced", "random", "sequential",
                                          "random_sampling_from_train", "random_sampling"};
  return v;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Reads one task entry; `where` = "file: task 'name'" for messages.
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, std::string where) : node_(node), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(where_ + ": field '" + key + "' " + what);
  }

  bool has(const std::string& key) const { return node_[key] && !node_[key].IsNull(); }

  std::string str(const std::string& key) const {
    const YAML::Node n = node_[key];
    if (!n.IsScalar()) fail(key, "must be a string");
    return n.Scalar();
  }
  std::optional<std::string> opt_str(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    return str(key);
  }
  // A string or a list of strings (v0.5's ListLike).
  std::vector<std::string> str_list(const std::string& key) const {
    const YAML::Node n = node_[key];
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        if (!item.IsScalar()) fail(key, "must be a list of strings");
        out.push_back(item.Scalar());
      }
    } else {
      fail(key, "must be a string or a list of strings");
    }
    return out;
  }
  long long integer(const std::string& key) const {
    const YAML::Node n = node_[key];
    if (!n.IsScalar()) fail(key, "must be an integer");
    const std::string& s = n.Scalar();
    try {
      size_t pos = 0;
      long long v = std::stoll(s, &pos);
      if (pos != s.size() || v < -1000000000LL || v > 1000000000LL) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      fail(key, "must be an integer, got \"" + s.substr(0, 40) + "\"");
    }
  }
  bool boolean(const std::string& key) const {
    const YAML::Node n = node_[key];
    if (!n.IsScalar()) fail(key, "must be true or false");
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "FALSE" || s == "no") return false;
    fail(key, "must be true or false, got \"" + s.substr(0, 40) + "\"");
  }

 private:
  const YAML::Node& node_;
  std::string where_;
};

const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys{
      "name", "suite", "prompt_function", "prompt", "hf_repo", "hf_subset", "metric",
      "hf_revision", "hf_filter", "hf_avail_splits", "trust_dataset", "evaluation_splits",
      "few_shots_split", "few_shots_select", "generation_size", "generation_grammar",
      "stop_sequence", "output_regex", "num_samples", "original_num_docs", "effective_num_docs",
      "must_remove_duplicate_docs", "version", "frozen"};
  return keys;
}

TaskConfig read_task(const YAML::Node& node, const std::string& origin, size_t index) {
  std::string where = origin + ": task #" + std::to_string(index + 1);
  if (!node.IsMap()) throw Error(where + " must be a mapping of task fields (name, hf_repo, ...)");
  if (node["name"] && node["name"].IsScalar()) where = origin + ": task '" + node["name"].Scalar() + "'";
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!known_keys().count(key)) {
      throw Error(where + ": unknown field '" + key + "'; known fields: " +
                  join(std::vector<std::string>(known_keys().begin(), known_keys().end())));
    }
  }
  EntryReader r(node, where);
  TaskConfig c;
  c.source = origin;
  for (const char* required : {"name", "hf_repo", "metric"}) {
    if (!r.has(required)) throw Error(where + ": missing required field '" + required + "'");
  }
  c.name = r.str("name");
  if (c.name.empty() || c.name.find('|') != std::string::npos || c.name.find(',') != std::string::npos) {
    r.fail("name", "must be non-empty and contain no '|' or ','");
  }
  c.hf_repo = r.str("hf_repo");
  if (r.has("hf_subset")) c.hf_subset = r.str("hf_subset");
  if (c.hf_subset.empty()) c.hf_subset = "default";
  c.metric = r.str_list("metric");
  if (c.metric.empty()) r.fail("metric", "must name at least one metric");
  for (const auto& m : c.metric) {
    const auto& known = known_metric_names();
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      r.fail("metric", "names an unknown metric '" + m + "'; metrics are lighteval's Metrics names "
                       "such as loglikelihood_acc, loglikelihood_acc_norm, quasi_exact_match");
    }
  }
  if (r.has("suite")) c.suite = r.str_list("suite");
  if (c.suite.empty()) r.fail("suite", "must not be empty");
  c.hf_revision = r.opt_str("hf_revision");
  if (r.has("hf_filter")) r.fail("hf_filter", "is not supported (row filters are Python callables)");
  if (r.has("generation_grammar")) r.fail("generation_grammar", "is not supported (TGI/Endpoint only)");
  if (r.has("hf_avail_splits")) c.hf_avail_splits = r.str_list("hf_avail_splits");
  if (r.has("trust_dataset")) c.trust_dataset = r.boolean("trust_dataset");
  if (r.has("evaluation_splits")) c.evaluation_splits = r.str_list("evaluation_splits");
  if (c.evaluation_splits.empty()) r.fail("evaluation_splits", "must name at least one split");
  c.few_shots_split = r.opt_str("few_shots_split");
  c.few_shots_select = r.opt_str("few_shots_select");
  if (c.few_shots_select) {
    const auto& sel = few_shot_selections();
    if (std::find(sel.begin(), sel.end(), *c.few_shots_select) == sel.end()) {
      r.fail("few_shots_select", "is '" + *c.few_shots_select + "'; it must be one of " + join(sel));
    }
  }
  if (r.has("generation_size")) c.generation_size = static_cast<int>(r.integer("generation_size"));
  if (r.has("stop_sequence")) c.stop_sequence = r.str_list("stop_sequence");
  c.output_regex = r.opt_str("output_regex");
  if (r.has("num_samples")) {
    std::vector<int> ns;
    const YAML::Node n = node["num_samples"];
    if (n.IsScalar()) {
      ns.push_back(static_cast<int>(r.integer("num_samples")));
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) {
        YAML::Node wrap(YAML::NodeType::Map);
        wrap["v"] = n[i];
        ns.push_back(static_cast<int>(EntryReader(wrap, where + " num_samples").integer("v")));
      }
    } else {
      r.fail("num_samples", "must be an integer or a list of integers");
    }
    c.num_samples = ns;
  }
  if (r.has("original_num_docs")) c.original_num_docs = static_cast<int>(r.integer("original_num_docs"));
  if (r.has("effective_num_docs")) c.effective_num_docs = static_cast<int>(r.integer("effective_num_docs"));
  if (r.has("must_remove_duplicate_docs")) c.must_remove_duplicate_docs = r.boolean("must_remove_duplicate_docs");
  if (r.has("version")) c.version = static_cast<int>(r.integer("version"));
  if (r.has("frozen")) c.frozen = r.boolean("frozen");

  bool has_fn = r.has("prompt_function");
  bool has_tpl = r.has("prompt");
  if (has_fn == has_tpl) {
    throw Error(where + ": give exactly one of 'prompt_function' (a built-in prompt function: " +
                join(prompt_function_names()) + ") or 'prompt' (templates query/choices/gold_index)");
  }
  if (has_fn) {
    c.prompt_function = r.str("prompt_function");
    if (!find_prompt_function(c.prompt_function)) {
      r.fail("prompt_function", "names an unknown prompt function '" + c.prompt_function +
                                    "'; built-in ones: " + join(prompt_function_names()));
    }
  } else {
    const YAML::Node p = node["prompt"];
    if (!p.IsMap()) r.fail("prompt", "must be a mapping with query, choices and gold_index templates");
    static const std::set<std::string> prompt_keys{"query", "choices", "gold_index", "instruction",
                                                   "target_for_fewshot_sorting", "original_query"};
    for (const auto& kv : p) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (!prompt_keys.count(key)) {
        r.fail("prompt", "has an unknown key '" + key + "'; known keys: query, choices, gold_index, "
                         "instruction, target_for_fewshot_sorting, original_query");
      }
    }
    EntryReader pr(p, where + " prompt");
    for (const char* required : {"query", "choices", "gold_index"}) {
      if (!pr.has(required)) r.fail("prompt", std::string("is missing the '") + required + "' template");
    }
    PromptTemplate t;
    t.query = pr.str("query");
    t.choices = pr.str("choices");
    t.gold_index = pr.str("gold_index");
    t.instruction = pr.opt_str("instruction");
    t.target_for_fewshot_sorting = pr.opt_str("target_for_fewshot_sorting");
    t.original_query = pr.opt_str("original_query");
    validate_prompt_template(t, where);
    c.prompt = t;
  }
  return c;
}

}  // namespace

std::vector<std::string> TaskConfig::fewshot_splits() const {
  if (few_shots_split) return {*few_shots_split};
  std::vector<std::string> possible;
  for (const auto& s : hf_avail_splits) {
    if (std::find(evaluation_splits.begin(), evaluation_splits.end(), s) == evaluation_splits.end()) {
      possible.push_back(s);
    }
  }
  std::vector<std::string> stored;
  for (const char* allowed : {"train", "dev", "valid", "default"}) {
    for (const auto& s : possible) {
      if (s.find(allowed) != std::string::npos) stored.push_back(s);
    }
  }
  if (stored.empty()) return {};
  return {stored.front()};
}

Json TaskConfig::to_json() const {
  auto opt = [](const auto& o) { return o ? Json(*o) : Json(nullptr); };
  Json j = Json::object();
  j["name"] = name;
  j["prompt_function"] = prompt ? std::string("prompt_template") : prompt_function;
  j["hf_repo"] = hf_repo;
  j["hf_subset"] = hf_subset;
  j["metric"] = metric;
  j["hf_revision"] = opt(hf_revision);
  j["hf_filter"] = nullptr;
  j["hf_avail_splits"] = hf_avail_splits;
  j["trust_dataset"] = trust_dataset;
  j["evaluation_splits"] = evaluation_splits;
  j["few_shots_split"] = opt(few_shots_split);
  j["few_shots_select"] = opt(few_shots_select);
  j["generation_size"] = opt(generation_size);
  j["generation_grammar"] = nullptr;
  j["stop_sequence"] = opt(stop_sequence);
  j["output_regex"] = opt(output_regex);
  j["num_samples"] = opt(num_samples);
  j["suite"] = suite;
  j["original_num_docs"] = original_num_docs;
  j["effective_num_docs"] = effective_num_docs;
  j["must_remove_duplicate_docs"] = must_remove_duplicate_docs;
  j["version"] = version;
  j["frozen"] = frozen;
  return j;
}

namespace {

std::string py_str_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(quote)) out += std::string("\\") + static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else out += static_cast<char>(c);
  }
  out += quote;
  return out;
}

// Python repr of the config's values; lists are tuples (v0.5's __post_init__ makes them tuples).
std::string py_repr(const Json& v) {
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return py_str_repr(v.get<std::string>());
  if (v.is_array()) {
    std::string out = "(";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + py_repr(v[i]);
    if (v.size() == 1) out += ",";
    return out + ")";
  }
  return v.dump();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> TaskConfig::key_values() const {
  std::vector<std::pair<std::string, std::string>> rows;
  Json j = to_json();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "prompt_function") {
      rows.emplace_back(it.key(), it.value().get<std::string>());
    } else {
      rows.emplace_back(it.key(), py_repr(it.value()));
    }
  }
  return rows;
}

TaskFile parse_task_file(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(origin + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) {
    throw Error(origin + ": a task file must be a YAML mapping with a 'tasks' list (and optional "
                         "'groups')");
  }
  TaskFile file;
  try {
    // v0.5's custom task modules name these TASKS_TABLE and TASKS_GROUPS; both spellings work.
    std::string tasks_key, groups_key;
    for (const auto& kv : root) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      std::string* slot = key == "tasks" || key == "TASKS_TABLE"    ? &tasks_key
                          : key == "groups" || key == "TASKS_GROUPS" ? &groups_key
                                                                     : nullptr;
      if (!slot) {
        throw Error(origin + ": unknown top-level key '" + key +
                    "'; a task file has 'tasks' (or TASKS_TABLE) and 'groups' (or TASKS_GROUPS)");
      }
      if (!slot->empty()) throw Error(origin + ": both '" + *slot + "' and '" + key + "' are given; keep one");
      *slot = key;
    }
    if (tasks_key.empty()) tasks_key = "tasks";
    const YAML::Node tasks = root[tasks_key];
    if (!tasks || !tasks.IsSequence() || tasks.size() == 0) {
      throw Error(origin + ": '" + tasks_key + "' must be a non-empty list of task configs");
    }
    std::set<std::string> names;
    for (size_t i = 0; i < tasks.size(); ++i) {
      TaskConfig c = read_task(tasks[i], origin, i);
      for (const auto& s : c.suite) {
        if (!names.insert(s + "|" + c.name).second) {
          throw Error(origin + ": task '" + s + "|" + c.name + "' is defined twice");
        }
      }
      file.tasks.push_back(std::move(c));
    }
    if (!groups_key.empty()) {
      const YAML::Node groups = root[groups_key];
      if (!groups.IsMap()) throw Error(origin + ": '" + groups_key + "' must map group names to task spec lists");
      for (const auto& kv : groups) {
        // A spec string as in v0.5 ("suite|task|k|t,suite|task|k|t"), or a YAML list of specs.
        std::string specs;
        if (kv.second.IsScalar()) {
          specs = kv.second.Scalar();
        } else if (kv.second.IsSequence()) {
          bool ok = true;
          for (const auto& item : kv.second) {
            ok = ok && item.IsScalar() && !item.Scalar().empty();
            if (ok) specs += (specs.empty() ? "" : ",") + item.Scalar();
          }
          if (!ok) specs.clear();
        }
        if (!kv.first.IsScalar() || specs.empty()) {
          throw Error(origin + ": each group maps a name to task specs, as one string "
                               "(\"suite|task|k|t,suite|task|k|t\") or a list of spec strings");
        }
        std::string name = kv.first.Scalar();
        if (name.find('|') != std::string::npos || name.find(',') != std::string::npos || name.empty()) {
          throw Error(origin + ": group name '" + name + "' must be non-empty and contain no '|' or ','");
        }
        file.groups[name] = specs;
      }
    }
  } catch (const YAML::Exception& e) {
    throw Error(origin + ": unexpected YAML structure at line " + std::to_string(e.mark.line + 1) +
                ": " + e.msg);
  }
  return file;
}

TaskFile load_task_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error("cannot read task file " + path.string() + "; check that it exists and is readable");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_task_file(ss.str(), path.string());
}

}  // namespace lighteval::tasks
