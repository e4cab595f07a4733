// pipeline/aggregation: lighteval v0.5's cross-task aggregation (MetricsLogger.aggregate, after the
// per-task values): `suite|task:_average|k` groups of the tasks sharing the part of the task name
// before ':' (only groups with more than one member; every key of the first member, _stderr keys
// included, unweighted mean), then `all`: for each metric key, the mean over every task entry
// present before the averages were added (a task lacking a key does not count for that key).
#pragma once

#include "util/json.h"

namespace lighteval::pipeline {

// `per_task`: ordered object "suite|task|k" -> {metric: value}. Returns the same entries followed
// by the _average entries (in order of first appearance) and "all". Non-numeric values are ignored.
Json add_averages_and_all(const Json& per_task);

}  // namespace lighteval::pipeline
