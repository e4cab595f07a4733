// libFuzzer target for what users give to choose a model: --model_args strings for both entry
// points (backends/model_args.h) and the --model_config_path YAML (pipeline/model_config_file.h).
// Any outcome but a configuration or a lighteval::Error (a crash, a sanitizer report, another
// exception type such as a stray YAML or std::stoi exception) is a bug.
// Input: the first byte picks the parser; the rest is the text.
// fuzz-modules: backends yaml-cpp
// fuzz-sources: src/pipeline/model_config_file.cpp
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "backends/model_args.h"
#include "pipeline/model_config_file.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;
namespace b = lighteval::backends;

// The parsed configuration must satisfy what validation promises.
void check(const b::ModelArgs& args) {
  if (args.kind == b::BackendKind::dummy) return;
  const auto& n = args.native;
  if (n.pretrained.empty()) std::abort();
  if (n.max_length && *n.max_length <= 0) std::abort();
  if (n.batch_size && *n.batch_size <= 0) std::abort();
  if (n.gpu_memory_utilisation && !(*n.gpu_memory_utilisation > 0 && *n.gpu_memory_utilisation <= 1)) std::abort();
}

// A per-process file for the YAML mode, removed when the fuzzer exits normally.
struct ScratchFile {
  fs::path path;
  ScratchFile() : path(fs::temp_directory_path() / ("lighteval-model-args-fuzz-" + std::to_string(::getpid()) + ".yaml")) {}
  ~ScratchFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        check(b::parse_model_args(text, b::EntryPoint::accelerate));
        break;
      case 1:
        check(b::parse_model_args(text, b::EntryPoint::vllm));
        break;
      case 2: {
        const auto pairs = b::split_model_args(text);
        for (const auto& [k, v] : pairs)
          if (k.empty()) std::abort();  // an empty key must be a UsageError
        break;
      }
      default: {
        static const ScratchFile file;
        {
          std::ofstream out(file.path, std::ios::binary | std::ios::trunc);
          out.write(text.data(), static_cast<std::streamsize>(text.size()));
        }
        check(lighteval::pipeline::load_model_config_yaml(file.path));
        break;
      }
    }
  } catch (const lighteval::Error&) {
    // A clear error is the expected outcome for bad input.
  }
  return 0;
}
