#include "engine/backend.h"

#include "engine/cpu_backend.h"
#include "util/error.h"

#ifdef LIGHTEVAL_HAVE_CUDA
#include "engine/cuda/cuda_backend.h"
#endif

namespace lighteval::engine {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::bf16: return "bfloat16";
    case DType::f16: return "float16";
    default: return "float32";
  }
}

std::unique_ptr<Backend> make_backend(const std::string& device, int num_threads) {
  if (device == "cpu") return std::make_unique<CpuBackend>(num_threads);
  if (device == "cuda" || device.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (device.size() > 5) {
      const std::string num = device.substr(5);
      if (num.empty() || num.size() > 3 || num.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("device '" + device + "' is not valid (use cuda or cuda:N with N a device index)");
      index = std::stoi(num);
    }
#ifdef LIGHTEVAL_HAVE_CUDA
    return make_cuda_backend(index);
#else
    (void)index;
    throw UsageError("device=" + device + ": this build has no CUDA support; rebuild with nvcc on PATH or use device=cpu");
#endif
  }
  throw UsageError("unknown device '" + device + "' in --model_args (use cpu, cuda or cuda:N)");
}

}  // namespace lighteval::engine
