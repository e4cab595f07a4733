#include "metrics/aggregation.h"

#include <cmath>

#include "util/py_random.h"

namespace lighteval::metrics {

double mean(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sample_stddev(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  double mu = mean(v), s = 0;
  for (double x : v) s += (x - mu) * (x - mu);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double mean_stderr(const std::vector<double>& v) {
  return sample_stddev(v) / std::sqrt(static_cast<double>(v.size()));
}

double bootstrap_stderr(size_t n, const std::function<double(const std::vector<size_t>&)>& statistic,
                        size_t iterations) {
  // v0.5: number_draws = min(1000, iterations) per seed, seeds 0 .. iterations/number_draws - 1.
  size_t per_seed = iterations < 1000 ? iterations : 1000;
  size_t seeds = per_seed ? iterations / per_seed : 0;
  std::vector<double> draws;
  draws.reserve(per_seed * seeds);
  for (size_t seed = 0; seed < seeds; ++seed) {
    util::PyRandom rnd(static_cast<int64_t>(seed));
    for (size_t i = 0; i < per_seed; ++i) draws.push_back(statistic(rnd.choices(n, n)));
  }
  return sample_stddev(draws);
}

}  // namespace lighteval::metrics
