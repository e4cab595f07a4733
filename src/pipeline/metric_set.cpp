#include "pipeline/metric_set.h"

#include <cstdlib>

#include "util/error.h"

namespace lighteval::pipeline {

MetricSet::MetricSet(const std::vector<std::string>& metric_names) {
  for (const auto& name : metric_names) defs_.push_back(metrics::find_metric(name));
}

bool MetricSet::has(Category c) const {
  for (const auto& d : defs_)
    if (d.category == c) return true;
  return false;
}

int MetricSet::num_samples() const {
  // v0.5: [1] + [int(name.split("@")[1]) for every metric whose name contains "maj@"].
  int n = 1;
  for (const auto& d : defs_)
    for (const auto& o : d.outputs) {
      size_t at = o.key.find("maj@");
      if (at == std::string::npos) continue;
      int k = std::atoi(o.key.c_str() + at + 4);
      n = std::max(n, k);
    }
  return n;
}

metrics::SampleResult MetricSet::compute(Category c, const SampleData& data) const {
  const tasks::Doc& doc = *data.doc;
  metrics::SampleInput in;
  for (int64_t g : doc.gold_index) in.gold_indices.push_back(static_cast<int>(g));
  in.choices = doc.choices;
  in.logprobs = data.logprobs;
  in.is_greedy = data.is_greedy;
  in.unconditioned_logprobs = data.unconditioned_logprobs;
  in.choice_token_counts = data.token_counts;
  in.predictions = data.predictions;
  in.golds = doc.get_golds();
  in.rolling_logprob = data.rolling_logprob;
  in.reference_text = doc.original_query.empty() ? doc.query : doc.original_query;
  if (doc.specific.is_object()) in.specific = doc.specific;
  metrics::SampleResult out;
  for (const auto& d : defs_) {
    if (d.category != c) continue;
    for (auto& kv : metrics::compute_sample(d, in)) out.push_back(std::move(kv));
  }
  return out;
}

const metrics::MetricOutput* MetricSet::output(const std::string& key) const {
  for (const auto& d : defs_)
    for (const auto& o : d.outputs)
      if (o.key == key) return &o;
  return nullptr;
}

double MetricSet::aggregate(const std::string& key, const std::vector<metrics::SampleValue>& values) const {
  const metrics::MetricOutput* o = output(key);
  if (!o) throw Error("metric result key '" + key + "' has no aggregation");
  return metrics::aggregate(*o, values);
}

std::optional<double> MetricSet::stderr_of(const std::string& key,
                                           const std::vector<metrics::SampleValue>& values) const {
  const metrics::MetricOutput* o = output(key);
  if (!o) return std::nullopt;
  return metrics::standard_error(*o, values);
}

Json MetricSet::config_json() const {
  Json a = Json::array();
  for (const auto& d : defs_) a.push_back(d.config_json());
  return a;
}

}  // namespace lighteval::pipeline
