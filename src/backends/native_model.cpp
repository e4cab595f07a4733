#include "backends/native_model.h"

#include "util/error.h"

namespace lighteval::backends {

std::unique_ptr<Model> make_native_model(const NativeModelConfig& config) {
  throw NotBuiltError("the native inference engine");
}

}  // namespace lighteval::backends
