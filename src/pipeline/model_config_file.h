// pipeline/model_config_file: --model_config_path, lighteval v0.5's model YAML
// (`model: {type: base, base_params: {model_args, dtype, compile}, merged_weights: {...},
// generation: {multichoice_continuations_start_space}}`). `tgi` / `endpoint` types are remote
// backends that are not built yet (NotBuiltError, exit 2).
#pragma once

#include <filesystem>

#include "backends/model_args.h"

namespace lighteval::pipeline {

backends::ModelArgs load_model_config_yaml(const std::filesystem::path& path);

}  // namespace lighteval::pipeline
