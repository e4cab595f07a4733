#include "engine/backend.h"

#include "engine/cpu_backend.h"
#include "util/error.h"

namespace lighteval::engine {

std::unique_ptr<Backend> make_backend(const std::string& device, int num_threads) {
  if (device == "cpu") return std::make_unique<CpuBackend>(num_threads);
  if (device == "cuda" || device.rfind("cuda:", 0) == 0)
    throw NotBuiltError("device=" + device + " (the CUDA engine; use device=cpu)");
  throw UsageError("unknown device '" + device + "' in --model_args (use cpu or cuda)");
}

}  // namespace lighteval::engine
