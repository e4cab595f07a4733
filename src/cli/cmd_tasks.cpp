// `lighteval tasks`: --list (v0.5's layout: a blank line, `- suite:`, then `  - suite|task`,
// sorted) and --inspect SPECS [--num_samples N] [--show_config] (the first N eval docs of each
// task, without few-shot context, as JSON; the config as v0.5's Key/Value Markdown table).
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/eval_options.h"
#include "report/results.h"
#include "tasks/prepare.h"
#include "tasks/registry.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_tasks(int argc, char** argv) {
  CLI::App app("List or inspect the built-in and custom tasks.", "tasks");
  bool list = false, show_config = false;
  std::string inspect, custom_tasks, cache_dir;
  int num_samples = 10;
  app.add_flag("--list", list, "list every task, grouped by suite");
  app.add_option("--inspect", inspect, "task specs to inspect ('suite|task|k|truncate', comma list or task file)");
  app.add_option("--num_samples,--num-samples", num_samples, "docs to show per task")->check(non_negative_int());
  app.add_flag("--show_config,--show-config", show_config, "also show each task's configuration");
  app.add_option("--custom_tasks,--custom-tasks", custom_tasks, "YAML file of custom task configs");
  app.add_option("--cache_dir,--cache-dir", cache_dir, "Hub cache directory (default: $HF_HUB_CACHE, else $HF_HOME/hub)");
  if (parse_or_throw(app, argc, argv)) return 0;
  if (list == !inspect.empty()) throw UsageError("give exactly one of --list or --inspect SPECS");

  use_cache_dir(cache_dir);
  tasks::TaskRegistry registry = tasks::TaskRegistry::load_builtin();
  if (!custom_tasks.empty()) registry.add_custom_file(custom_tasks);
  if (list) {
    std::string current;
    for (const auto& [suite, task] : registry.list()) {
      if (suite != current) {
        std::cout << "\n- " << suite << ":\n";
        current = suite;
      }
      std::cout << "  - " << suite << "|" << task << "\n";
    }
    return 0;
  }
  std::vector<tasks::TaskSpec> specs = registry.parse_specs(inspect);
  std::cout << "All examples will be displayed without few shot, as few shot sample construction requires "
               "loading a model and using its tokenizer.\n";
  for (const auto& selection : tasks::group_task_specs(specs)) {
    const tasks::TaskConfig& config = registry.get(selection.task_key);
    std::cout << "---------- " << selection.task_key << " ----------\n";
    if (show_config) {
      std::cout << "---------- CONFIG\n";
      std::vector<std::vector<std::string>> rows;
      for (auto& [k, v] : config.key_values()) rows.push_back({k, v});
      std::cout << report::markdown_table({"Key", "Value"}, rows, {false, false});
    }
    tasks::TaskSpec zero_shot = selection.specs.front();
    zero_shot.num_fewshot = 0;
    zero_shot.truncate_fewshot = false;
    Json docs = tasks::inspect_docs(config, zero_shot, static_cast<size_t>(num_samples), tasks::PrepareOptions{});
    for (size_t i = 0; i < docs.size(); ++i) {
      if (i == 0) std::cout << "---------- SAMPLES\n";
      std::cout << "-- sample " << i << " --\n" << docs[i].dump(1) << "\n";
    }
  }
  return 0;
}

}  // namespace lighteval::cli
