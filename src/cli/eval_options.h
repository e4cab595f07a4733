// cli/eval_options: the flags `lighteval accelerate` and `lighteval vllm` share (lighteval v0.5's
// parser_accelerate, plus HEAD's kebab-case spellings and positional MODEL_ARGS / TASKS as
// aliases), their validation, and the parse + run of one evaluation command.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "backends/model_args.h"

namespace lighteval::cli {

struct EvalOptions {
  std::string model_args;
  std::string model_config_path;
  std::string tasks;
  std::string output_dir;
  std::optional<int> max_samples;
  int override_batch_size = -1;
  std::string job_id;
  bool save_details = false;
  bool push_to_hub = false;
  bool push_to_tensorboard = false;
  bool public_run = false;
  std::string results_org;
  bool use_chat_template = false;
  std::optional<std::string> system_prompt;
  int dataset_loading_processes = 1;
  std::string custom_tasks;
  std::string cache_dir;
  int num_fewshot_seeds = 1;
};

// Integer checks with short messages ("must be a positive integer, got '0'").
const CLI::Validator& positive_int();
const CLI::Validator& non_negative_int();

// Registers every flag on `app` (v0.5 snake_case names, kebab-case aliases, positional MODEL_ARGS
// and TASKS).
void add_eval_options(CLI::App& app, EvalOptions& options);

// Cross-flag checks CLI11 cannot express; throws UsageError / NotBuiltError with one clear line.
void validate_eval_options(const EvalOptions& options);

// --cache_dir: makes `cache_dir` the Hub cache of this process (HF_HUB_CACHE). No-op when empty.
void use_cache_dir(const std::string& cache_dir);

// Parses argv for `lighteval <entry>` and runs the evaluation; returns the exit code.
int run_eval_command(const std::string& name, backends::EntryPoint entry, int argc, char** argv);

// CLI11 parse with our error convention: --help prints and returns 0; a parse error becomes a
// UsageError naming the flag. Returns true when the command should stop (help printed).
bool parse_or_throw(CLI::App& app, int argc, char** argv);

}  // namespace lighteval::cli
