// pipeline/evaluate: one evaluation run, lighteval v0.5's Pipeline: task specs -> prepared docs
// (tasks module) -> requests by metric category -> one model call per request type across all
// tasks -> responses regrouped per (sample, category) -> sample metrics -> per-task aggregation
// with stderr -> `_average` groups and `all` -> results file, details parquet, Markdown table.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backends/model.h"
#include "report/results.h"
#include "tasks/prepare.h"
#include "tasks/registry.h"
#include "tasks/task_spec.h"
#include "util/json.h"

namespace lighteval::pipeline {

struct PipelineOptions {
  std::optional<size_t> max_samples;
  int override_batch_size = -1;
  int num_fewshot_seeds = 1;
  bool use_chat_template = false;
  std::optional<std::string> system_prompt;
  std::filesystem::path output_dir;
  bool save_details = false;
  std::string job_id;
  int dataset_loading_processes = 1;  // > 1: datasets read by that many threads up front
  bool progress = true;  // drawn only when stderr is a terminal
  tasks::RowLoader load_rows;  // empty = the data module (tests inject rows here)
};

struct RunOutput {
  Json results;  // the whole results file
  std::string table;  // the Markdown table
  std::filesystem::path results_path;
  std::vector<std::filesystem::path> details_paths;
};

// Runs every spec against `model`, writes the outputs under options.output_dir and returns them.
// Throws lighteval::Error for data, prompt or metric problems.
RunOutput run_evaluation(const tasks::TaskRegistry& registry, const std::vector<tasks::TaskSpec>& specs,
                         backends::Model& model, const PipelineOptions& options);

// The directory name under results/ and details/ for a model: the backend's model_name, mapped as
// v0.5 maps local paths (see report::model_name_for_path).
std::string results_model_name(const backends::ModelInfo& info);

}  // namespace lighteval::pipeline
