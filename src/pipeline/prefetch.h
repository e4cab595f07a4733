// pipeline/prefetch: --dataset_loading_processes N. lighteval v0.5 loads the datasets of all tasks
// with a pool of N processes before building prompts; here N threads read every split the tasks
// will ask for up front, and the returned loader serves those rows (a copy per call, in the order
// read). Prompts are still built task by task in the usual order, so results do not change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/prepare.h"
#include "tasks/task_config.h"
#include "tasks/task_spec.h"

namespace lighteval::pipeline {

struct SplitRequest {
  std::string repo, subset, split;
  std::optional<std::string> revision;
};

// The splits one task reads: its evaluation splits, and its few-shot pool when a spec asks shots.
std::vector<SplitRequest> splits_read_by(const tasks::TaskConfig& config, const std::vector<tasks::TaskSpec>& specs);

// Loads `requests` (duplicates once) with `workers` threads through `base`. A split that fails to
// load fails again, with the same error, when the returned loader is asked for it; splits not
// prefetched go to `base`.
tasks::RowLoader prefetch_rows(const std::vector<SplitRequest>& requests, const tasks::RowLoader& base, int workers);

}  // namespace lighteval::pipeline
