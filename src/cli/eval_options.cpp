#include "cli/eval_options.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "backends/factory.h"
#include "pipeline/evaluate.h"
#include "pipeline/model_config_file.h"
#include "tasks/registry.h"
#include "util/error.h"
#include "util/log.h"

namespace lighteval::cli {

bool parse_or_throw(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return true;
  } catch (const CLI::CallForAllHelp& e) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return true;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    throw UsageError(msg + "; run 'lighteval " + app.get_name() + " --help' for the options");
  }
  return false;
}

namespace {

// CLI11's PositiveNumber/NonNegativeNumber print a range up to DBL_MAX; these say what is wanted
// in a few words.
CLI::Validator int_at_least(long long minimum, const std::string& what) {
  return CLI::Validator(
      [minimum, what](std::string& value) -> std::string {
        size_t used = 0;
        long long v = 0;
        try {
          v = std::stoll(value, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != value.size() || v < minimum) return "must be " + what + ", got '" + value + "'";
        return "";
      },
      minimum > 0 ? "INT>0" : "INT>=0", what);
}

}  // namespace

const CLI::Validator& positive_int() {
  static const CLI::Validator v = int_at_least(1, "a positive integer");
  return v;
}

const CLI::Validator& non_negative_int() {
  static const CLI::Validator v = int_at_least(0, "a non-negative integer");
  return v;
}

void add_eval_options(CLI::App& app, EvalOptions& o) {
  app.add_option("model_args,--model_args,--model-args", o.model_args,
                 "model arguments: 'pretrained=<id or dir>,k=v,...', 'dummy[,seed=N]' or 'vllm,pretrained=...'");
  app.add_option("tasks,--tasks", o.tasks, "task specs 'suite|task|k|truncate' (comma list), a group, or a task file");
  app.add_option("--model_config_path,--model-config-path", o.model_config_path,
                 "YAML model config (model: {type: base, base_params: {model_args: ...}})");
  app.add_option("--output_dir,--output-dir", o.output_dir, "directory for results/ and details/");
  app.add_option("--max_samples,--max-samples", o.max_samples, "evaluate the first N docs of each task (after shuffling)")
      ->check(positive_int());
  app.add_option("--override_batch_size,--override-batch-size", o.override_batch_size,
                 "fixed batch size (<= 0: automatic)");
  app.add_option("--job_id,--job-id", o.job_id, "recorded in config_general");
  app.add_flag("--save_details,--save-details", o.save_details, "write per-sample details as parquet");
  app.add_flag("--push_to_hub,--push-to-hub", o.push_to_hub, "upload results and details to the Hub");
  app.add_flag("--push_to_tensorboard,--push-to-tensorboard", o.push_to_tensorboard, "upload TensorBoard logs");
  app.add_flag("--public_run,--public-run", o.public_run, "make the Hub results repo public");
  app.add_option("--results_org,--results-org", o.results_org, "Hub organisation for --push_to_hub");
  app.add_flag("--use_chat_template,--use-chat-template", o.use_chat_template, "wrap prompts in the chat template");
  app.add_option("--system_prompt,--system-prompt", o.system_prompt, "system prompt (prepended to the prompt)");
  app.add_option("--dataset_loading_processes,--dataset-loading-processes", o.dataset_loading_processes,
                 "datasets read in parallel by this many threads before prompts are built")
      ->check(positive_int());
  app.add_option("--custom_tasks,--custom-tasks", o.custom_tasks, "YAML file of custom task configs and groups");
  app.add_option("--cache_dir,--cache-dir", o.cache_dir, "Hub cache directory for models and datasets (default: $HF_HUB_CACHE, else $HF_HOME/hub)");
  app.add_option("--num_fewshot_seeds,--num-fewshot-seeds", o.num_fewshot_seeds, "few-shot seeds per doc")
      ->check(positive_int());
}

void validate_eval_options(const EvalOptions& o) {
  if (o.model_args.empty() && o.model_config_path.empty())
    throw UsageError("give the model with --model_args (e.g. 'pretrained=gpt2' or 'dummy') or --model_config_path");
  if (!o.model_args.empty() && !o.model_config_path.empty())
    throw UsageError("--model_args and --model_config_path are mutually exclusive; give only one");
  if (o.tasks.empty()) throw UsageError("--tasks is required (e.g. 'leaderboard|arc:challenge|25|0' or a task file)");
  if (o.output_dir.empty()) throw UsageError("--output_dir is required (where results/ and details/ are written)");
  // v0.5 wrote through fsspec (s3://, gs://, hf://...); we write local files only.
  if (o.output_dir.find("://") != std::string::npos)
    throw UsageError("--output_dir " + o.output_dir +
                     ": remote locations are not supported; give a local directory and copy the files afterwards");
  if ((o.push_to_hub || o.push_to_tensorboard) && o.results_org.empty())
    throw UsageError("--push_to_hub and --push_to_tensorboard need --results_org");
  if (o.push_to_hub) throw NotBuiltError("--push_to_hub (uploading results to the Hub)");
  if (o.push_to_tensorboard) throw NotBuiltError("--push_to_tensorboard");
  // Flags that only modify --push_to_hub: accepted, and said so.
  if (o.public_run) log::warning("--public_run has no effect without --push_to_hub");
  if (!o.results_org.empty()) log::warning("--results_org has no effect without --push_to_hub");
}

void use_cache_dir(const std::string& cache_dir) {
  if (cache_dir.empty()) return;
  // The Hub cache every download of this process goes through (models and datasets), as
  // HF_HUB_CACHE would set it; read when the first Hub client is made.
  if (::setenv("HF_HUB_CACHE", cache_dir.c_str(), 1) != 0)
    throw Error("cannot use --cache_dir " + cache_dir + ": setting HF_HUB_CACHE failed");
}

int run_eval_command(const std::string& name, backends::EntryPoint entry, int argc, char** argv) {
  CLI::App app("Evaluate a model on lighteval tasks (lighteval v0.5's '" + name + "' entry point).", name);
  EvalOptions o;
  add_eval_options(app, o);
  if (parse_or_throw(app, argc, argv)) return 0;
  validate_eval_options(o);
  use_cache_dir(o.cache_dir);

  // Everything the user can get wrong in the tasks is checked before any model is loaded.
  tasks::TaskRegistry registry = tasks::TaskRegistry::load_builtin();
  if (!o.custom_tasks.empty()) registry.add_custom_file(o.custom_tasks);
  std::vector<tasks::TaskSpec> specs = registry.parse_specs(o.tasks);

  backends::ModelArgs margs = o.model_config_path.empty() ? backends::parse_model_args(o.model_args, entry)
                                                          : pipeline::load_model_config_yaml(o.model_config_path);
  if (o.use_chat_template) margs.native.use_chat_template = true;
  if (o.override_batch_size > 0) margs.native.batch_size = o.override_batch_size;
  const auto load_start = std::chrono::steady_clock::now();
  std::unique_ptr<backends::Model> model = backends::make_model(margs);
  log::info("model loaded in {:.2f} s",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  pipeline::PipelineOptions p;
  if (o.max_samples) p.max_samples = static_cast<size_t>(*o.max_samples);
  p.override_batch_size = o.override_batch_size;
  p.num_fewshot_seeds = o.num_fewshot_seeds;
  p.dataset_loading_processes = o.dataset_loading_processes;
  p.use_chat_template = o.use_chat_template || margs.native.use_chat_template;
  p.system_prompt = o.system_prompt;
  p.output_dir = o.output_dir;
  p.save_details = o.save_details;
  p.job_id = o.job_id;
  pipeline::RunOutput out = pipeline::run_evaluation(registry, specs, *model, p);
  std::cout << out.table << std::flush;
  return 0;
}

}  // namespace lighteval::cli
