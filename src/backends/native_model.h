// backends/native_model: the Model implementation on our own engine (CPU; CUDA when built).
#pragma once

#include <memory>

#include "backends/model.h"
#include "backends/model_config.h"

namespace lighteval::backends {

// Loads the model (Hub id or local directory), its tokenizer and weights. Throws lighteval::Error
// with a clear message (unknown architecture, missing files, bad device...).
std::unique_ptr<Model> make_native_model(const NativeModelConfig& config);

}  // namespace lighteval::backends
