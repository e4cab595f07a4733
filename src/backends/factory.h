// backends/factory: builds the Model a parsed --model_args asks for (dummy or the native engine),
// refusing in one clear line the configurations whose engine path is not built yet.
#pragma once

#include <memory>

#include "backends/model.h"
#include "backends/model_args.h"

namespace lighteval::backends {

// Throws NotBuiltError (exit 2) for multi-GPU / parallel set-ups, lighteval::Error for bad configs.
std::unique_ptr<Model> make_model(const ModelArgs& args);

}  // namespace lighteval::backends
