#include "tasks/prepare.h"

#include <set>

#include "tasks/fewshot.h"
#include "tasks/prompt_builder.h"
#include "tasks/prompt_functions.h"
#include "tasks/template_prompt.h"
#include "data/dataset.h"
#include "util/error.h"
#include "util/py_random.h"

namespace lighteval::tasks {

RowLoader default_row_loader() {
  return [](const std::string& repo, const std::string& subset, const std::string& split,
            const std::optional<std::string>& revision) {
    return data::load_split(repo, subset, split, revision.value_or(""));
  };
}

std::vector<Doc> load_docs(const TaskConfig& config, const std::string& task_name,
                           const std::vector<std::string>& splits, bool few_shots,
                           const RowLoader& load_rows) {
  const PromptFunction* fn = nullptr;
  if (!config.prompt) {
    fn = find_prompt_function(config.prompt_function);
    if (!fn) {
      throw Error("task " + task_name + ": unknown prompt function '" + config.prompt_function + "'");
    }
  }
  const RowLoader& loader = load_rows ? load_rows : default_row_loader();
  std::vector<Doc> docs;
  for (const auto& split : splits) {
    std::vector<Json> rows = loader(config.hf_repo, config.hf_subset, split, config.hf_revision);
    for (Json& row : rows) {
      if (!row.is_object()) throw Error("task " + task_name + ": a row of split " + split + " is not an object");
      row["__few_shots"] = few_shots;
      std::vector<Doc> made = fn ? (*fn)(row, task_name) : apply_prompt_template(*config.prompt, row, task_name);
      for (auto& d : made) docs.push_back(std::move(d));
    }
  }
  return docs;
}

namespace {

// v0.5 dedups by str(doc), i.e. the JSON dump of the whole doc.
std::vector<Doc> remove_duplicate_docs(std::vector<Doc> docs) {
  std::set<std::string> seen;
  std::vector<Doc> unique;
  for (auto& d : docs) {
    if (seen.insert(d.to_json().dump()).second) unique.push_back(std::move(d));
  }
  return unique;
}

}  // namespace

std::vector<Doc> load_eval_docs(const TaskConfig& config, const std::string& task_name,
                                const RowLoader& load_rows) {
  std::vector<Doc> docs = load_docs(config, task_name, config.evaluation_splits, false, load_rows);
  if (config.must_remove_duplicate_docs) docs = remove_duplicate_docs(std::move(docs));
  util::PyRandom rnd(42);
  rnd.shuffle(docs);
  return docs;
}

namespace {

// The context of one doc with `shots`, and how many shots it kept (v0.5 _single_turn_context).
std::pair<std::string, int> build_context(const TaskConfig& config, const Doc& doc,
                                          std::vector<const Doc*> shots, int num_fewshot,
                                          bool truncate, const PrepareOptions& options) {
  auto build = [&](const std::vector<const Doc*>& use) -> std::string {
    if (!options.use_chat_template) return build_plain_prompt(doc, use, options.system_prompt);
    if (!options.render_chat) {
      throw Error("--use_chat_template needs a model with a tokenizer and a chat template");
    }
    std::optional<std::string> rendered = options.render_chat(build_chat_messages(doc, use, options.system_prompt));
    if (!rendered) {
      throw Error("--use_chat_template was given but the model's tokenizer has no chat template; "
                  "drop --use_chat_template or use a model that has one");
    }
    return *rendered;
  };
  std::string output = build(shots);
  int effective = num_fewshot;
  if (truncate && options.max_length && options.count_tokens) {
    // v0.5 counts generation_size as is (so -1 gives one token of slack). Unlike v0.5, the loop
    // stops at zero shots instead of going on to fewshots[:-1].
    long long gen = config.generation_size.value_or(0);
    auto too_long = [&](const std::string& text) {
      std::optional<size_t> n = options.count_tokens(text);
      return n && static_cast<long long>(*n) + gen > static_cast<long long>(*options.max_length);
    };
    while (effective > 0 && too_long(output)) {
      --effective;
      std::vector<const Doc*> kept(shots.begin(),
                                   shots.begin() + std::min<size_t>(shots.size(), static_cast<size_t>(effective)));
      output = build(kept);
    }
  }
  return {output, effective};
}

}  // namespace

PreparedTask prepare_task(const TaskConfig& config, const std::vector<TaskSpec>& specs,
                          const PrepareOptions& options) {
  if (specs.empty()) throw Error("prepare_task: no task spec given for task " + config.name);
  const std::string task_name = specs.front().task_key();
  for (const auto& s : specs) {
    if (s.task_key() != task_name) {
      throw Error("prepare_task: specs of several tasks given together (" + task_name + ", " + s.task_key() + ")");
    }
  }
  const RowLoader loader = options.load_rows ? options.load_rows : default_row_loader();

  PreparedTask out;
  std::vector<Doc> docs = load_docs(config, task_name, config.evaluation_splits, false, loader);
  if (config.must_remove_duplicate_docs) docs = remove_duplicate_docs(std::move(docs));
  out.original_num_docs = docs.size();
  // One generator per task: it shuffles the eval docs, then draws the *_sampling few-shots.
  util::PyRandom rnd(42);
  rnd.shuffle(docs);
  size_t n = docs.size();
  if (options.max_samples && *options.max_samples > 0) n = std::min(n, *options.max_samples);
  out.effective_num_docs = n;

  std::vector<std::string> pool_splits = config.fewshot_splits();
  if (pool_splits.empty()) pool_splits = config.evaluation_splits;
  FewShotSampler sampler(task_name, config.few_shots_select.value_or(""), [&]() {
    return load_docs(config, task_name, pool_splits, true, loader);
  });

  std::vector<int> seeds{0};
  for (int s = 1; s < options.num_fewshot_seeds; ++s) seeds.push_back(s);
  for (int seed : seeds) {
    for (size_t i = 0; i < n; ++i) {
      for (const auto& spec : specs) {
        PreparedDoc p;
        p.doc = docs[i];
        p.doc_index = i;
        p.seed = seed;
        p.num_fewshot = spec.num_fewshot;
        p.truncate_fewshot = spec.truncate_fewshot;
        p.sample_id = std::to_string(i) + "_" + std::to_string(seed);
        std::vector<const Doc*> shots = sampler.sample(spec.num_fewshot, seed, rnd, docs[i]);
        auto [ctx, effective] =
            build_context(config, p.doc, shots, spec.num_fewshot, spec.truncate_fewshot, options);
        p.doc.ctx = std::move(ctx);
        p.doc.num_asked_few_shots = spec.num_fewshot;
        p.doc.num_effective_few_shots = effective;
        out.docs.push_back(std::move(p));
      }
    }
  }
  return out;
}

Json inspect_docs(const TaskConfig& config, const TaskSpec& spec, size_t n,
                  const PrepareOptions& options) {
  PrepareOptions o = options;
  o.max_samples = n;
  o.num_fewshot_seeds = 1;
  Json out = Json::array();
  if (n == 0) return out;
  for (const auto& p : prepare_task(config, {spec}, o).docs) out.push_back(p.doc.to_json());
  return out;
}

}  // namespace lighteval::tasks
