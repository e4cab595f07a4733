// metrics/aggregation: corpus-level aggregation helpers and standard errors, as lighteval v0.5's
// MetricsLogger.aggregate and metrics/stderr.py compute them, with one deliberate fix: the
// bootstrap standard error is the standard deviation of the bootstrap draws (v0.5 divides it by
// sqrt(1000) once more, which understates it ~31.6x).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace lighteval::metrics {

double mean(const std::vector<double>& v);  // NaN for an empty list, as np.mean
// Sample standard deviation (ddof = 1) divided by sqrt(n); NaN for fewer than 2 values.
double mean_stderr(const std::vector<double>& v);
// Sample standard deviation with ddof = 1.
double sample_stddev(const std::vector<double>& v);

// Bootstrap: `iterations` resamples of size n drawn with CPython's random.Random(0).choices over
// range(n) (one generator, draws in sequence, as v0.5's single seed does for 1000 draws), the
// statistic recomputed on each; returns the standard deviation (ddof = 1) of those statistics.
// statistic(indices) receives the resampled indices into the original population.
double bootstrap_stderr(size_t n, const std::function<double(const std::vector<size_t>&)>& statistic,
                        size_t iterations = 1000);

}  // namespace lighteval::metrics
