#include "pipeline/evaluate.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>

#include <fmt/ranges.h>

#include "data/dataset.h"
#include "pipeline/aggregation.h"
#include "pipeline/chat.h"
#include "pipeline/metric_set.h"
#include "pipeline/prefetch.h"
#include "pipeline/progress.h"
#include "report/atomic_file.h"
#include "report/details.h"
#include "report/py_repr.h"
#include "tasks/prepare.h"
#include "util/error.h"
#include "util/log.h"
#include "util/py_float.h"
#include "util/version.h"

namespace lighteval::pipeline {
namespace {

using backends::GenerationRequest;
using backends::LoglikelihoodRequest;
using backends::RollingRequest;
using backends::SingleTokenRequest;

enum class RequestType { loglikelihood = 0, rolling = 1, single_token = 2, generation = 3 };

struct TaskRun {
  std::unique_ptr<tasks::TaskConfig> config;
  std::unique_ptr<MetricSet> metrics;
  tasks::PreparedTask prepared;
};

// One (task, prepared doc) pair: lighteval's SampleUid(task_name "suite|task|k", "doc_seed").
struct SampleRef {
  size_t task = 0;
  size_t doc = 0;
};

struct RequestOrigin {
  size_t sample = 0;  // index into samples
  std::vector<Category> categories;
};

struct ResponseRef {
  RequestType type;
  size_t index;
};

// The requests of the whole run, by type, with where each came from.
struct RequestBook {
  std::vector<LoglikelihoodRequest> loglikelihood;
  std::vector<RollingRequest> rolling;
  std::vector<SingleTokenRequest> single_token;
  std::vector<GenerationRequest> generation;
  std::vector<RequestOrigin> origins[4];
  std::vector<RequestType> type_order;  // order of first appearance, as v0.5's defaultdict

  void note_type(RequestType t) {
    if (std::find(type_order.begin(), type_order.end(), t) == type_order.end()) type_order.push_back(t);
  }
};

// LightevalTask.construct_requests (v0.5): the categories are visited in this fixed order.
// `chat_stops` is set under --use_chat_template: v0.5 then drops the task's stop sequences and
// stops on EOS; we add the template's end-of-turn marker (pipeline/chat.h).
void construct_requests(const TaskRun& task, const tasks::PreparedDoc& pd, size_t sample,
                        const std::optional<std::vector<std::string>>& chat_stops, RequestBook& book) {
  const tasks::Doc& doc = pd.doc;
  const MetricSet& m = *task.metrics;
  const std::string& ctx = doc.ctx;
  if (m.has(Category::TargetPerplexity)) {
    for (const auto& gold : doc.get_golds()) {
      book.loglikelihood.push_back({ctx, gold});
      book.origins[0].push_back({sample, {Category::TargetPerplexity}});
      book.note_type(RequestType::loglikelihood);
    }
  }
  if (m.has(Category::Perplexity)) {
    book.rolling.push_back({ctx});
    book.origins[1].push_back({sample, {Category::Perplexity}});
    book.note_type(RequestType::rolling);
  }
  if (m.has(Category::Generative) || m.has(Category::GenerativeSampling) || m.has(Category::GenerativeLogprob)) {
    GenerationRequest g;
    g.context = ctx;
    if (chat_stops) {
      g.stop_sequences = *chat_stops;
    } else if (task.config->stop_sequence) {
      g.stop_sequences = *task.config->stop_sequence;
    }
    if (task.config->generation_size && *task.config->generation_size > 0) g.generation_size = task.config->generation_size;
    g.num_samples = m.num_samples();
    std::vector<Category> cats;
    for (Category c : {Category::GenerativeSampling, Category::Generative, Category::GenerativeLogprob})
      if (m.has(c)) cats.push_back(c);
    book.generation.push_back(std::move(g));
    book.origins[3].push_back({sample, cats});
    book.note_type(RequestType::generation);
  }
  if (m.has(Category::Multichoice) || m.has(Category::MultichoicePmi)) {
    std::vector<Category> cats;
    for (Category c : {Category::Multichoice, Category::MultichoicePmi})
      if (m.has(c)) cats.push_back(c);
    for (const auto& choice : doc.choices) {
      book.loglikelihood.push_back({ctx, choice});
      book.origins[0].push_back({sample, cats});
      book.note_type(RequestType::loglikelihood);
    }
  }
  if (m.has(Category::MultichoicePmi)) {
    if (!doc.unconditioned_query)
      throw Error("task " + doc.task_name + " uses a PMI metric but its prompt function gives no unconditioned query");
    for (const auto& choice : doc.choices) {
      book.loglikelihood.push_back({*doc.unconditioned_query, choice});
      book.origins[0].push_back({sample, {Category::MultichoicePmi}});
      book.note_type(RequestType::loglikelihood);
    }
  }
  if (m.has(Category::MultichoiceOneToken)) {
    book.single_token.push_back({ctx, doc.choices});
    book.origins[2].push_back({sample, {Category::MultichoiceOneToken}});
    book.note_type(RequestType::single_token);
  }
}

// The responses of the run, by type, in request order.
struct ResponseBook {
  std::vector<backends::LoglikelihoodResponse> loglikelihood;
  std::vector<backends::RollingResponse> rolling;
  std::vector<backends::SingleTokenResponse> single_token;
  std::vector<backends::GenerationResponse> generation;
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Sends one type's requests to the model. With a progress bar the requests go in chunks so the
// bar moves; the order (and so the dummy model's draws) is unchanged.
template <class Req, class Resp, class Fn>
std::vector<Resp> call_model(const std::vector<Req>& requests, const char* label, bool progress, Fn&& fn) {
  const size_t chunk = progress && stderr_is_tty() ? 256 : requests.size();
  Progress bar(label, requests.size(), progress);
  const double start_s = now_seconds();
  std::vector<Resp> out;
  out.reserve(requests.size());
  for (size_t start = 0; start < requests.size(); start += std::max<size_t>(chunk, 1)) {
    size_t n = std::min(chunk, requests.size() - start);
    std::vector<Resp> part = fn(std::span<const Req>(requests.data() + start, n));
    if (part.size() != n)
      throw Error(std::string("the model returned ") + std::to_string(part.size()) + " responses for " +
                  std::to_string(n) + " " + label + " requests");
    for (auto& r : part) out.push_back(std::move(r));
    bar.advance(n);
  }
  bar.finish();
  log::info("{} {} in {:.2f} s", requests.size(), label, now_seconds() - start_s);
  return out;
}

std::string tuple_repr(double logprob, bool greedy) {
  std::string r = "(";  // appended, not a chain of operator+: GCC 12 warns (-Wrestrict) on that one inlined
  r += py_float_repr(logprob);
  r += greedy ? ", True)" : ", False)";
  return r;
}

Json doc_golds_json(const tasks::Doc& doc) {
  Json a = Json::array();
  for (const auto& g : doc.get_golds()) a.push_back(g);
  return a;
}

// v0.5 infers the few-shot split from hf_avail_splits, which can name splits the dataset does not
// have (the mirrored hellaswag and winogrande have only validation); v0.5 then fails with a
// KeyError. We keep only the splits the dataset really has, so the inference falls back as
// lighteval's own rules say (the next candidate, else the eval docs, with a warning).
tasks::TaskConfig with_real_splits(const tasks::TaskConfig& config) {
  tasks::TaskConfig c = config;
  if (c.few_shots_split) return c;
  std::vector<std::string> actual;
  try {
    actual = data::list_splits(c.hf_repo, c.hf_subset, c.hf_revision.value_or(""));
  } catch (const Error&) {
    return c;  // loading the eval split will report the real problem
  }
  std::vector<std::string> kept;
  for (const auto& s : c.hf_avail_splits)
    if (std::find(actual.begin(), actual.end(), s) != actual.end()) kept.push_back(s);
  if (kept.size() != c.hf_avail_splits.size()) {
    log::warning("task {}: the dataset {} has no split(s) of hf_avail_splits other than [{}]; few-shot examples "
                 "are inferred from those",
                 c.name, c.hf_repo, fmt::join(kept, ", "));
    c.hf_avail_splits = kept;
  }
  return c;
}


// One sample's metrics and details record, from its responses (v0.5's per-sample metric step).
// Reads only the sample's responses: it runs on another thread while later request types are still
// with the model.
struct SampleOutcome {
  metrics::SampleResult result;
  report::DetailRecord record;
};

SampleOutcome score_sample(const TaskRun& run, const tasks::PreparedDoc& pd, Category cat,
                           const std::vector<ResponseRef>& refs, const ResponseBook& responses) {
  SampleData data;
  data.doc = &pd.doc;
  report::DetailRecord rec;
  std::string predictions = "[";
  size_t pred_count = 0;
  auto add_pred = [&](const std::string& p) {
    if (pred_count++) predictions += ", ";
    predictions += p;
  };
  for (const auto& ref : refs) {
    switch (ref.type) {
      case RequestType::loglikelihood: {
        const auto& r = responses.loglikelihood.at(ref.index);
        data.logprobs.push_back(r.logprob);
        data.is_greedy.push_back(r.is_greedy);
        data.token_counts.push_back(static_cast<int>(r.continuation_tokens.size()));
        add_pred(tuple_repr(r.logprob, r.is_greedy));
        rec.input_tokens.push_back(r.input_tokens);
        rec.cont_tokens.push_back(r.continuation_tokens);
        rec.truncated.push_back(r.truncated_tokens);
        rec.padded.push_back(r.padded_tokens);
        break;
      }
      case RequestType::rolling: {
        const auto& r = responses.rolling.at(ref.index);
        data.rolling_logprob = r.logprob;
        add_pred(py_float_repr(r.logprob));
        rec.input_tokens.push_back(r.tokens);
        rec.cont_tokens.push_back({});
        rec.truncated.push_back(r.truncated_tokens);
        rec.padded.push_back(r.padded_tokens);
        break;
      }
      case RequestType::single_token: {
        const auto& r = responses.single_token.at(ref.index);
        data.logprobs.insert(data.logprobs.end(), r.logprobs.begin(), r.logprobs.end());
        for (double lp : r.logprobs) add_pred(py_float_repr(lp));  // v0.5 flattens the lists
        rec.input_tokens.push_back(r.input_tokens);
        rec.cont_tokens.push_back(r.choice_tokens);
        rec.truncated.push_back(r.truncated_tokens);
        rec.padded.push_back(r.padded_tokens);
        break;
      }
      case RequestType::generation: {
        const auto& r = responses.generation.at(ref.index);
        for (const auto& t : r.texts) {
          data.predictions.push_back(t);
          add_pred(report::py_str_repr(t));
        }
        rec.input_tokens.push_back(r.input_tokens);
        std::vector<int32_t> out_tokens;
        if (!r.output_tokens.empty()) out_tokens = r.output_tokens.front();
        rec.cont_tokens.push_back(out_tokens);
        rec.truncated.push_back(r.truncated_tokens);
        rec.padded.push_back(r.padded_tokens);
        break;
      }
    }
  }
  predictions += "]";
  if (cat == Category::MultichoicePmi) {
    // The unconditioned requests follow the conditioned ones (request_index offset by n_choices).
    size_t n = pd.doc.choices.size();
    if (data.logprobs.size() == 2 * n) {
      data.unconditioned_logprobs.assign(data.logprobs.begin() + static_cast<long>(n), data.logprobs.end());
      data.logprobs.resize(n);
      data.is_greedy.resize(n);
      data.token_counts.resize(n);
    }
  }
  metrics::SampleResult sample_result = run.metrics->compute(cat, data);
  Json sample_metrics = Json::object();
  for (const auto& [k, v] : sample_result) sample_metrics[k] = v.to_json();
  rec.example = pd.doc.query;
  rec.instruction = pd.doc.instruction;
  rec.full_prompt = pd.doc.ctx;
  rec.num_effective_few_shots = pd.doc.num_effective_few_shots;
  rec.num_asked_few_shots = pd.doc.num_asked_few_shots;
  rec.predictions = predictions;
  const MetricSet& m = *run.metrics;
  if (m.has(Category::Generative) || m.has(Category::GenerativeSampling) || m.has(Category::GenerativeLogprob))
    rec.gold = doc_golds_json(pd.doc);
  Json specifics = pd.doc.specific;
  if (m.has(Category::Multichoice) || m.has(Category::MultichoiceOneToken) || m.has(Category::MultichoicePmi)) {
    rec.choices = Json(pd.doc.choices);
    rec.gold_index = Json(pd.doc.gold_index);
    if (m.has(Category::MultichoicePmi)) {
      if (!specifics.is_object()) specifics = Json::object();
      specifics["unconditioned_query"] = pd.doc.unconditioned_query ? Json(*pd.doc.unconditioned_query) : Json();
    }
  }
  rec.specifics = specifics;
  rec.metrics = sample_metrics;
  return {std::move(sample_result), std::move(rec)};
}

}  // namespace

std::string results_model_name(const backends::ModelInfo& info) {
  std::error_code ec;
  bool local = !info.model_name.empty() &&
               (info.model_name.front() == '/' || info.model_name.front() == '.' ||
                std::filesystem::exists(info.model_name, ec));
  std::string name = report::model_name_for_path(info.model_name, local);
  return name.empty() ? "unknown_model" : name;
}

RunOutput run_evaluation(const tasks::TaskRegistry& registry, const std::vector<tasks::TaskSpec>& specs,
                         backends::Model& model, const PipelineOptions& options) {
  report::GeneralConfig general;
  general.start_time = now_seconds();
  general.lighteval_sha = std::string("lighteval-cpp ") + kVersion;
  general.num_fewshot_seeds = options.num_fewshot_seeds;
  general.override_batch_size = options.override_batch_size;
  if (options.max_samples) general.max_samples = static_cast<int>(*options.max_samples);
  general.job_id = options.job_id;
  backends::ModelInfo info = model.info();
  general.model_name = info.model_name;
  general.model_sha = info.model_sha;
  general.model_dtype = info.model_dtype;
  general.model_size = info.model_size;
  if (options.max_samples)
    log::warning("--max_samples is set: the scores are partial and must not be reported as the task's results");

  // 1. Tasks and their docs, in sorted task order (v0.5's task_dict order).
  tasks::PrepareOptions prep;
  prep.max_samples = options.max_samples;
  prep.num_fewshot_seeds = options.num_fewshot_seeds;
  prep.system_prompt = options.system_prompt;
  prep.use_chat_template = options.use_chat_template;
  prep.count_tokens = [&model](const std::string& text) { return model.count_tokens(text); };
  if (auto ml = model.max_length()) prep.max_length = static_cast<size_t>(*ml);
  prep.load_rows = options.load_rows;
  std::optional<std::vector<std::string>> chat_stops;
  if (options.use_chat_template) {
    prep.render_chat = chat_renderer(model);
    const std::optional<std::string> end_of_turn = end_of_turn_marker(model);
    chat_stops = chat_stop_sequences(end_of_turn);
    if (end_of_turn) log::info("chat template: generations stop on EOS and on {}", *end_of_turn);
  }

  const auto selections = tasks::group_task_specs(specs);
  std::vector<TaskRun> runs;
  Json versions = Json::object();
  Json config_tasks = Json::object();
  {
    for (const auto& sel : selections) {
      TaskRun run;
      const tasks::TaskConfig& registered = registry.get(sel.task_key);
      run.config = std::make_unique<tasks::TaskConfig>(options.load_rows ? registered : with_real_splits(registered));
      run.metrics = std::make_unique<MetricSet>(run.config->metric);
      runs.push_back(std::move(run));
    }
    if (options.dataset_loading_processes > 1) {
      std::vector<SplitRequest> needed;
      for (size_t t = 0; t < runs.size(); ++t)
        for (auto& r : splits_read_by(*runs[t].config, selections[t].specs)) needed.push_back(std::move(r));
      prep.load_rows = prefetch_rows(needed, prep.load_rows ? prep.load_rows : tasks::default_row_loader(),
                                     options.dataset_loading_processes);
    }
    Progress bar("preparing tasks", selections.size(), options.progress);
    for (size_t t = 0; t < runs.size(); ++t) {
      const auto& sel = selections[t];
      TaskRun& run = runs[t];
      const tasks::TaskConfig& registered = registry.get(sel.task_key);
      run.prepared = tasks::prepare_task(*run.config, sel.specs, prep);
      for (const auto& spec : sel.specs) versions[spec.key()] = run.config->version;
      Json cfg = registered.to_json();
      cfg["metric"] = run.metrics->config_json();
      cfg["original_num_docs"] = run.prepared.original_num_docs;
      cfg["effective_num_docs"] = run.prepared.effective_num_docs;
      config_tasks[sel.task_key] = std::move(cfg);
      bar.advance(1);
    }
  }

  log::info("{} task(s) prepared in {:.2f} s", runs.size(), now_seconds() - general.start_time);

  // 2. Requests, grouped by type across all tasks.
  std::vector<SampleRef> samples;
  RequestBook book;
  for (size_t t = 0; t < runs.size(); ++t) {
    for (size_t d = 0; d < runs[t].prepared.docs.size(); ++d) {
      samples.push_back({t, d});
      construct_requests(runs[t], runs[t].prepared.docs[d], samples.size() - 1, chat_stops, book);
    }
  }

  // 3. Regroup per (sample, category), in the order v0.5's dict fills.
  std::vector<std::pair<size_t, Category>> bucket_keys;
  std::vector<std::vector<ResponseRef>> bucket_refs;
  {
    std::map<std::pair<size_t, Category>, size_t> bucket_of;
    for (RequestType type : book.type_order) {
      const auto& origins = book.origins[static_cast<int>(type)];
      for (size_t i = 0; i < origins.size(); ++i) {
        for (Category c : origins[i].categories) {
          auto key = std::make_pair(origins[i].sample, c);
          auto [it, inserted] = bucket_of.try_emplace(key, bucket_keys.size());
          if (inserted) {
            bucket_keys.push_back(key);
            bucket_refs.emplace_back();
          }
          bucket_refs[it->second].push_back({type, i});
        }
      }
    }
  }
  // A sample can be scored once its last request type is answered.
  std::vector<std::vector<size_t>> ready_after(book.type_order.size());
  for (size_t b = 0; b < bucket_keys.size(); ++b) {
    size_t last = 0;
    for (const auto& ref : bucket_refs[b])
      last = std::max<size_t>(last, std::find(book.type_order.begin(), book.type_order.end(), ref.type) -
                                        book.type_order.begin());
    ready_after[last].push_back(b);
  }

  // 4. One model call per request type, in order of first appearance. The samples a call completes
  // are scored (metrics, details records) on another thread while the next call runs.
  ResponseBook responses;
  std::vector<SampleOutcome> outcomes(bucket_keys.size());
  std::future<void> scoring;
  for (size_t j = 0; j < book.type_order.size(); ++j) {
    switch (book.type_order[j]) {
      case RequestType::loglikelihood:
        responses.loglikelihood = call_model<LoglikelihoodRequest, backends::LoglikelihoodResponse>(
            book.loglikelihood, "loglikelihood requests", options.progress,
            [&](auto span) { return model.loglikelihood(span); });
        break;
      case RequestType::rolling:
        responses.rolling = call_model<RollingRequest, backends::RollingResponse>(
            book.rolling, "rolling requests", options.progress,
            [&](auto span) { return model.loglikelihood_rolling(span); });
        break;
      case RequestType::single_token:
        responses.single_token = call_model<SingleTokenRequest, backends::SingleTokenResponse>(
            book.single_token, "single-token requests", options.progress,
            [&](auto span) { return model.loglikelihood_single_token(span); });
        break;
      case RequestType::generation:
        responses.generation = call_model<GenerationRequest, backends::GenerationResponse>(
            book.generation, "generation requests", options.progress,
            [&](auto span) { return model.greedy_until(span); });
        break;
    }
    if (scoring.valid()) scoring.get();  // one scoring thread at a time; rethrows its error
    scoring = std::async(std::launch::async, [&, j] {
      for (size_t b : ready_after[j]) {
        const SampleRef& s = samples[bucket_keys[b].first];
        const TaskRun& run = runs[s.task];
        outcomes[b] = score_sample(run, run.prepared.docs[s.doc], bucket_keys[b].second, bucket_refs[b], responses);
      }
    });
  }
  if (scoring.valid()) scoring.get();

  // 5. Sample metrics and details, gathered in bucket order.
  std::vector<std::string> spec_order;  // results keys in order of first logged value
  std::map<std::string, std::pair<size_t, std::vector<std::string>>> metric_keys;  // spec -> (task, keys)
  std::map<std::string, std::map<std::string, std::vector<metrics::SampleValue>>> values;
  std::map<std::string, std::vector<report::DetailRecord>> details;
  for (size_t b = 0; b < bucket_keys.size(); ++b) {
    const SampleRef& s = samples[bucket_keys[b].first];
    const tasks::PreparedDoc& pd = runs[s.task].prepared.docs[s.doc];
    SampleOutcome& outcome = outcomes[b];
    const metrics::SampleResult& sample_result = outcome.result;
    const std::string spec_key = pd.spec_key();
    auto [mk, first] = metric_keys.try_emplace(spec_key, s.task, std::vector<std::string>{});
    if (first) spec_order.push_back(spec_key);
    for (const auto& [k, v] : sample_result) {
      auto& keys = mk->second.second;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      values[spec_key][k].push_back(v);
    }
    details[spec_key].push_back(std::move(outcome.record));
  }

  // 6. Per-task aggregation, then _average groups and all.
  Json per_task = Json::object();
  for (const auto& spec_key : spec_order) {
    const auto& [task_index, keys] = metric_keys[spec_key];
    const MetricSet& m = *runs[task_index].metrics;
    Json agg = Json::object();
    for (const auto& k : keys) {
      const auto& vals = values[spec_key][k];
      agg[k] = m.aggregate(k, vals);
      if (vals.size() > 1)
        if (auto se = m.stderr_of(k, vals)) agg[k + "_stderr"] = *se;
    }
    per_task[spec_key] = std::move(agg);
  }
  Json results = add_averages_and_all(per_task);

  Json summary_tasks = Json::object();
  for (const auto& spec_key : spec_order) summary_tasks[spec_key] = report::task_summary(details[spec_key]);
  Json summary_general = report::general_summary(summary_tasks);

  // 7. Outputs.
  general.end_time = now_seconds();
  RunOutput out;
  out.results = report::results_json(general, results, versions, config_tasks, summary_tasks, summary_general);
  out.table = report::results_table(results, versions);
  const std::string model_dir = results_model_name(info);
  const std::string date = report::date_id();
  out.results_path = report::results_file_path(options.output_dir, model_dir, date);
  report::write_file_atomic(out.results_path, report::dump_python_json(out.results));
  log::info("results written to {}", out.results_path.string());
  if (options.save_details) {
    for (const auto& spec_key : spec_order) {
      auto path = report::details_file_path(options.output_dir, model_dir, date, spec_key);
      report::write_details_parquet(path, details[spec_key]);
      out.details_paths.push_back(path);
    }
  }
  return out;
}

}  // namespace lighteval::pipeline
