// pipeline/metric_set: the metrics of one task as the pipeline needs them, on top of the metrics
// module's registry: which metric categories (hence which requests) the task needs, the sample
// values of one (sample, category), the per-task aggregation and stderr of each result key, and
// the config_tasks description.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "metrics/registry.h"
#include "tasks/doc.h"
#include "util/json.h"

namespace lighteval::pipeline {

using Category = metrics::MetricCategory;

// What the responses of one (sample, category) carry, in request order.
struct SampleData {
  const tasks::Doc* doc = nullptr;
  std::vector<double> logprobs;  // per choice / gold (conditioned part for PMI)
  std::vector<bool> is_greedy;
  std::vector<int> token_counts;  // continuation tokens per choice
  std::vector<double> unconditioned_logprobs;  // PMI
  std::vector<std::string> predictions;  // generations
  double rolling_logprob = 0;
};

class MetricSet {
 public:
  // Throws lighteval::Error for an unknown metric name (listing the valid ones).
  explicit MetricSet(const std::vector<std::string>& metric_names);

  bool has(Category c) const;
  // max(1, N of every maj@N metric), as v0.5 asks greedy_until for.
  int num_samples() const;
  // The values of the metrics of category `c` for one sample, in metric order.
  metrics::SampleResult compute(Category c, const SampleData& data) const;
  // Aggregation and stderr of one result key over the task's sample values (sample order).
  double aggregate(const std::string& key, const std::vector<metrics::SampleValue>& values) const;
  std::optional<double> stderr_of(const std::string& key, const std::vector<metrics::SampleValue>& values) const;
  // The `metric` list of config_tasks.
  Json config_json() const;

 private:
  const metrics::MetricOutput* output(const std::string& key) const;
  std::vector<metrics::MetricDef> defs_;
};

}  // namespace lighteval::pipeline
