// metrics/registry: lighteval v0.5's `Metrics` enum as data. Each entry knows its result keys,
// MetricCategory (which requests the pipeline must build), MetricUseCase, higher_is_better, how a
// sample is scored and how the keys aggregate over a task, and the `config_tasks` JSON lighteval
// writes for it. The pipeline fills one SampleInput per doc from the doc and the model responses,
// calls compute_sample, keeps the values in sample order, then calls aggregate / standard_error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/corpus_metrics.h"
#include "util/json.h"

namespace lighteval::metrics {

// lighteval v0.5 MetricCategory (str Enum with auto(): serialised as "1".."11").
enum class MetricCategory {
  TargetPerplexity = 1,
  Perplexity,
  Generative,
  GenerativeLogprob,
  GenerativeSampling,
  LlmAsJudgeMultiTurn,
  LlmAsJudge,
  Multichoice,
  MultichoicePmi,
  MultichoiceOneToken,
  Ignored,
};
enum class MetricUseCase {
  Accuracy = 1,
  Perplexity,
  Code,
  Copyright,
  Math,
  Reasoning,
  SocialImpacts,
  Summarization,
  Translation,
  None,
};
std::string category_name(MetricCategory c);  // "MULTICHOICE", ...
std::string category_value(MetricCategory c);  // "8", ...
std::string use_case_value(MetricUseCase u);

// What the pipeline knows about one doc and its model responses.
struct SampleInput {
  std::vector<int> gold_indices;
  std::vector<std::string> choices;          // the doc's choices (as stored, leading space included)
  // MULTICHOICE*: one summed log-probability per choice. TARGET_PERPLEXITY: one per gold.
  std::vector<double> logprobs;
  std::vector<bool> is_greedy;               // TARGET_PERPLEXITY: argmax == gold, one per gold
  std::vector<double> unconditioned_logprobs;  // MULTICHOICE_PMI
  std::vector<int> choice_token_counts;      // token-normalised accuracy
  std::vector<std::string> predictions;      // GENERATIVE*: the generations
  std::vector<std::string> golds;            // GENERATIVE* and TARGET_PERPLEXITY: gold texts
  double rolling_logprob = 0;                // PERPLEXITY: summed rolling log-probability
  std::string reference_text;                // PERPLEXITY: doc.original_query or doc.query
  Json specific = Json::object();            // e.g. {"len_mc1": 3} for TruthfulQA
};

// A sample's value for one result key: a number (mean metrics) or a prepared corpus item.
struct SampleValue {
  double value = 0;
  std::optional<CorpusItem> item;
  Json to_json() const;  // the number, or the item's dataclass dict
};
using SampleResult = std::vector<std::pair<std::string, SampleValue>>;

struct MetricOutput {
  std::string key;  // result key: "acc", "acc_norm", "truthfulqa_mc1", "ppl", ...
  bool higher_is_better = true;
  CorpusFn corpus_fn = CorpusFn::Mean;
  std::string corpus_fn_name = "mean";  // the __name__ lighteval serialises
};

struct MetricDef {
  std::string name;  // the Metrics enum member, e.g. "loglikelihood_acc_norm"
  std::vector<MetricOutput> outputs;
  bool grouping = false;  // a *MetricGrouping: metric_name is a list in config_tasks
  MetricCategory category = MetricCategory::Multichoice;
  MetricUseCase use_case = MetricUseCase::Accuracy;
  std::string sample_fn_name = "compute";
  // GENERATIVE_SAMPLING: generations needed per doc (k of maj@k, n of pass@k); 1 otherwise.
  int num_samples = 1;
  std::function<SampleResult(const SampleInput&)> compute;

  Json config_json() const;  // {"metric_name", "higher_is_better", "category", "use_case", ...}
};

const std::vector<MetricDef>& all_metrics();
// The v0.5 enum member; also the parametrised families "maj_at_k" {k}, "recall_at_k" {k} and
// "pass_at_k" {k, n} with their later-lighteval key names ("maj@k:k=3", ...). Unknown names throw
// lighteval::Error listing the valid ones.
MetricDef find_metric(std::string_view name, const Json& params = Json::object());
bool has_metric(std::string_view name);

SampleResult compute_sample(const MetricDef& metric, const SampleInput& input);

// Task-level value of one key over the samples' values (sample order).
double aggregate(const MetricOutput& output, const std::vector<SampleValue>& values);
// lighteval's `<key>_stderr`: mean metrics use mean_stderr, corpus metrics the bootstrap (1000
// CPython-compatible resamples, proper standard deviation). nullopt with fewer than 2 samples.
std::optional<double> standard_error(const MetricOutput& output, const std::vector<SampleValue>& values,
                                     size_t bootstrap_iterations = 1000);

}  // namespace lighteval::metrics
