#include "engine/backend.h"

#include "engine/cpu_backend.h"
#include "util/error.h"
#include "util/log.h"

#ifdef LIGHTEVAL_HAVE_CUDA
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>
#endif

namespace lighteval::engine {

#ifdef LIGHTEVAL_HAVE_CUDA
namespace {

// The CUDA backend lives in the plugin liblighteval_cuda.so (engine/cuda/cuda_backend.h), loaded
// the first time a CUDA device is asked for: from $LIGHTEVAL_CUDA_PLUGIN, else beside an installed
// binary (<prefix>/<libdir>/lighteval/), else from the build tree.
using CreateCudaBackend = Backend* (*)(int);

CreateCudaBackend load_cuda_plugin() {
  static CreateCudaBackend create = nullptr;
  if (create) return create;
  namespace fs = std::filesystem;
  const char* name = "liblighteval_cuda.so";
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LIGHTEVAL_CUDA_PLUGIN"); env && *env) {
    candidates.emplace_back(env);
  } else {
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    if (!ec) {
      candidates.push_back(exe_dir / ".." / LIGHTEVAL_INSTALL_LIBDIR / "lighteval" / name);
      candidates.push_back(exe_dir / ".." / "lib" / "lighteval" / name);
      candidates.push_back(exe_dir / name);
    }
    candidates.push_back(fs::path(LIGHTEVAL_CUDA_PLUGIN_BUILD_DIR) / name);
  }
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      throw Error(std::string("cannot load the CUDA backend: ") + dlerror() +
                  "; install the CUDA 13 runtime and cuBLAS libraries (or add them to LD_LIBRARY_PATH), or use "
                  "device=cpu");
    create = reinterpret_cast<CreateCudaBackend>(dlsym(handle, "lighteval_cuda_backend_create"));
    if (!create) throw Error(path.string() + " is not a lighteval CUDA plugin of this version; reinstall lighteval-cpp");
    return create;
  }
  throw Error(std::string("this lighteval was built with CUDA but its plugin ") + name + " is missing (looked " +
              "beside the binary and in <prefix>/lib/lighteval); reinstall with cmake --install, set " +
              "LIGHTEVAL_CUDA_PLUGIN to its path, or use device=cpu");
}

}  // namespace
#endif

const char* dtype_name(DType t) {
  switch (t) {
    case DType::bf16: return "bfloat16";
    case DType::f16: return "float16";
    default: return "float32";
  }
}

std::unique_ptr<Backend> make_backend(const std::string& device, int num_threads) {
  if (device == "cpu") return std::make_unique<CpuBackend>(num_threads);
  if (device == "auto") {
#ifdef LIGHTEVAL_HAVE_CUDA
    // Loading the plugin maps CUDA and cuBLAS (~200 MiB resident) for good: only try it where an
    // NVIDIA driver is installed and devices are not hidden.
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    const bool hidden = visible && (std::string(visible).empty() || std::string(visible) == "-1");
    std::error_code ec;
    if (!hidden && std::filesystem::exists("/dev/nvidiactl", ec)) {
      try {
        return make_backend("cuda", num_threads);
      } catch (const Error& e) {
        log::info("no usable CUDA device ({}); running on the CPU", e.what());
      }
    }
#endif
    return std::make_unique<CpuBackend>(num_threads);
  }
  if (device == "cuda" || device.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (device != "cuda") {  // "cuda:N"
      const std::string num = device.substr(5);
      if (num.empty() || num.size() > 3 || num.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("device '" + device + "' is not valid (use cuda or cuda:N with N a device index)");
      index = std::stoi(num);
    }
#ifdef LIGHTEVAL_HAVE_CUDA
    return std::unique_ptr<Backend>(load_cuda_plugin()(index));
#else
    (void)index;
    throw UsageError("device=" + device + ": this build has no CUDA support; rebuild with nvcc on PATH or use device=cpu");
#endif
  }
  throw UsageError("unknown device '" + device + "' in --model_args (use auto, cpu, cuda or cuda:N)");
}

}  // namespace lighteval::engine
