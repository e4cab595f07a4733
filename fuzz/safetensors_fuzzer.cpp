// libFuzzer target for safetensors checkpoints (formats/safetensors.h): header validation, tensor
// access and fp32 conversion of in-memory files, and sharded checkpoints (index JSON + shards on
// disk). Any outcome but data or a lighteval::Error (a crash, a sanitizer report, another
// exception type) is a bug.
// Input: first byte picks the mode. Mode 0: the rest is one safetensors file. Mode 1: the rest is
// model.safetensors.index.json, then up to two shard files, separated by "----shard----".
// fuzz-modules: formats
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "formats/safetensors.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;
namespace f = lighteval::formats;

// Every tensor is read the ways a model loader reads it; conversion failures must be Errors.
void exercise_file(const f::SafetensorsFile& file) {
  float sink = 0;
  for (const auto& t : file.tensors()) {
    if (file.find(t.name) != &t) std::abort();  // the index must agree with the list
    const auto bytes = file.bytes(t);
    if (bytes.size() != t.end - t.begin) std::abort();
    try {
      const auto v = file.to_f32(t);
      if (static_cast<int64_t>(v.size()) != t.numel()) std::abort();
      for (float x : v) sink += x;
    } catch (const lighteval::Error&) {
    }
    (void)f::format_shape(t.shape);
    (void)f::safetensors_dtype_name(t.dtype);
  }
  for (const auto& [k, v] : file.metadata()) sink += static_cast<float>(k.size() + v.size());
  (void)sink;
}

void exercise_checkpoint(const f::SafetensorsCheckpoint& c) {
  for (const auto& name : c.names()) {
    const auto& info = c.info(name);
    try {
      auto v = c.load_f32(name, info.shape);
      std::vector<float> dst(v.size());
      c.load_f32_into(name, info.shape, dst.data());
    } catch (const lighteval::Error&) {
    }
    try {  // a wrong expected shape must be an Error
      auto wrong = info.shape;
      wrong.push_back(1);
      (void)c.load_f32(name, wrong);
      std::abort();
    } catch (const lighteval::Error&) {
    }
  }
  (void)c.total_bytes();
  (void)c.contains("model.embed_tokens.weight");
}

// A per-process directory for the sharded mode, removed when the fuzzer exits normally.
struct ScratchDir {
  fs::path path;
  ScratchDir() : path(fs::temp_directory_path() / ("lighteval-safetensors-fuzz-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      auto file = f::SafetensorsFile::from_bytes(text, "fuzz.safetensors");
      exercise_file(file);
      auto c = f::SafetensorsCheckpoint::from_files({file});
      exercise_checkpoint(c);
      if (!file.tensors().empty()) {
        try {  // the same tensors twice: a duplicate-tensor Error
          (void)f::SafetensorsCheckpoint::from_files({file, file});
          std::abort();
        } catch (const lighteval::Error&) {
        }
      }
    } else {
      constexpr std::string_view kSep = "----shard----";
      std::vector<std::string_view> parts;
      size_t pos = 0;
      while (parts.size() < 2) {
        const size_t hit = text.find(kSep, pos);
        if (hit == std::string_view::npos) break;
        parts.push_back(text.substr(pos, hit - pos));
        pos = hit + kSep.size();
      }
      parts.push_back(text.substr(pos));
      const fs::path& dir = scratch_dir();
      for (const char* stale : {"model.safetensors.index.json", "model-00001-of-00002.safetensors",
                                "model-00002-of-00002.safetensors"})
        fs::remove(dir / stale);
      write_file(dir / "model.safetensors.index.json", parts[0]);
      if (parts.size() > 1) write_file(dir / "model-00001-of-00002.safetensors", parts[1]);
      if (parts.size() > 2) write_file(dir / "model-00002-of-00002.safetensors", parts[2]);
      auto c = f::SafetensorsCheckpoint::open_directory(dir);
      exercise_checkpoint(c);
    }
  } catch (const lighteval::Error& e) {
    if (std::getenv("LIGHTEVAL_FUZZ_VERBOSE")) std::fprintf(stderr, "error: %s\n", e.what());
    // A clear error is the expected outcome for bad input.
  }
  return 0;
}
