// `lighteval nanotron`: v0.5's flags are parsed and checked; evaluating nanotron checkpoints is not
// built yet and says so (exit 2) instead of pretending.
#include <CLI/CLI.hpp>

#include <filesystem>

#include "cli/commands.h"
#include "cli/eval_options.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_nanotron(int argc, char** argv) {
  CLI::App app("Evaluate a nanotron checkpoint (lighteval v0.5's 'nanotron' entry point).", "nanotron");
  std::string checkpoint_config_path, lighteval_config_path, cache_dir;
  app.add_option("--checkpoint_config_path,--checkpoint-config-path", checkpoint_config_path,
                 "the checkpoint's config.yaml");
  app.add_option("--lighteval_config_path,--lighteval-config-path", lighteval_config_path,
                 "lighteval YAML config (tasks, logging, parallelism)");
  app.add_option("--cache_dir,--cache-dir", cache_dir, "Hugging Face cache directory");
  if (parse_or_throw(app, argc, argv)) return 0;
  if (checkpoint_config_path.empty()) throw UsageError("--checkpoint_config_path is required");
  if (lighteval_config_path.empty()) throw UsageError("--lighteval_config_path is required");
  if (std::filesystem::path(checkpoint_config_path).extension() != ".yaml")
    throw UsageError("--checkpoint_config_path must be a .yaml file (the checkpoint's config.yaml), got " +
                     checkpoint_config_path);
  if (!std::filesystem::is_regular_file(checkpoint_config_path))
    throw Error("checkpoint config " + checkpoint_config_path + " does not exist");
  if (!std::filesystem::is_regular_file(lighteval_config_path))
    throw Error("lighteval config " + lighteval_config_path + " does not exist");
  throw NotBuiltError("evaluating nanotron checkpoints");
}

}  // namespace lighteval::cli
