// formats/safetensors: reader for Hugging Face safetensors checkpoints (single file or sharded via
// model.safetensors.index.json). Files are memory-mapped; the header is validated strictly (length,
// JSON, dtype names, shape x dtype size, offsets inside the buffer, no holes or overlaps) so a
// corrupt or truncated file gives one clear lighteval::Error instead of a crash. Tensors convert to
// fp32 on request (every numeric dtype incl. BF16, F16, F8_E4M3/E5M2 and their FNUZ variants).
// Limits: complex (C64) and the sub-byte MX dtypes (F4, F6_*, F8_E8M0) are validated but cannot be
// converted; no writing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lighteval::formats {

enum class SafetensorsDType {
  BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, C64,
  F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0, F4, F6_E2M3, F6_E3M2,
};

// "BF16" -> BF16; throws lighteval::Error for an unknown name.
SafetensorsDType parse_safetensors_dtype(std::string_view name);
std::string_view safetensors_dtype_name(SafetensorsDType dtype);
int safetensors_dtype_bits(SafetensorsDType dtype);

struct SafetensorsTensor {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::F32;
  std::vector<int64_t> shape;
  size_t begin = 0;  // offsets relative to the byte buffer (after the header)
  size_t end = 0;
  int64_t numel() const;
};

// One safetensors file. Cheap to copy (shares the mapping).
class SafetensorsFile {
 public:
  // Memory-maps `path` and validates its header. Throws lighteval::Error naming the file.
  static SafetensorsFile open(const std::filesystem::path& path);
  // Parses bytes held in memory (copied); `label` names the source in error messages.
  static SafetensorsFile from_bytes(std::string_view bytes, const std::string& label = "<memory>");

  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  std::span<const std::byte> bytes(const SafetensorsTensor& t) const;
  // The tensor converted to fp32 (row-major). Throws for dtypes that cannot be converted.
  std::vector<float> to_f32(const SafetensorsTensor& t) const;
  void to_f32_into(const SafetensorsTensor& t, float* dst) const;
  // Tells the OS the tensor's mapped pages are no longer needed (they leave the resident set), so
  // converting a checkpoint costs little more than the converted weights.
  void release(const SafetensorsTensor& t) const;
  const std::string& label() const { return label_; }

 private:
  struct Storage;
  void parse();
  std::shared_ptr<Storage> storage_;
  std::string label_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, size_t, std::less<>> index_;
  size_t buffer_offset_ = 0;
};

// Converts `count` elements of `dtype` at `src` (little-endian) to fp32.
void safetensors_to_f32(SafetensorsDType dtype, const std::byte* src, size_t count, float* dst);

// A checkpoint: model.safetensors, or the shards listed by model.safetensors.index.json.
class SafetensorsCheckpoint {
 public:
  // `dir` holds model.safetensors or model.safetensors.index.json (+ shards). Throws a clear
  // lighteval::Error when neither is there, a shard is missing, or a file is corrupt.
  static SafetensorsCheckpoint open_directory(const std::filesystem::path& dir);
  static SafetensorsCheckpoint from_files(std::vector<SafetensorsFile> files);

  bool contains(std::string_view name) const;
  const SafetensorsTensor& info(std::string_view name) const;  // throws "missing tensor"
  // fp32 copy of `name`; throws when missing or when its shape differs from `expected_shape`.
  std::vector<float> load_f32(std::string_view name, const std::vector<int64_t>& expected_shape) const;
  // Same, converted straight into `dst` (numel floats), then the mapped pages are released.
  void load_f32_into(std::string_view name, const std::vector<int64_t>& expected_shape, float* dst) const;
  // The stored bytes of `name` (dtype in info(name)), shape checked like load_f32; no conversion.
  // release(name) afterwards drops its mapped pages from the resident set.
  std::span<const std::byte> stored(std::string_view name, const std::vector<int64_t>& expected_shape) const;
  void release(std::string_view name) const;
  std::vector<std::string> names() const;
  std::string label() const;
  size_t total_bytes() const;

 private:
  const SafetensorsTensor& shaped(std::string_view name, const std::vector<int64_t>& expected_shape) const;
  const SafetensorsFile& file_of(std::string_view name) const;  // name must exist

  std::vector<SafetensorsFile> files_;
  std::map<std::string, std::pair<size_t, size_t>, std::less<>> where_;  // name -> (file, tensor)
  std::string label_;
};

std::string format_shape(const std::vector<int64_t>& shape);

}  // namespace lighteval::formats
