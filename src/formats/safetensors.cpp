#include "formats/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "util/error.h"
#include "util/json.h"

namespace lighteval::formats {
namespace fs = std::filesystem;

namespace {

struct DTypeRow {
  SafetensorsDType dtype;
  std::string_view name;
  int bits;
};
constexpr std::array<DTypeRow, 22> kDTypes{{
    {SafetensorsDType::BOOL, "BOOL", 8},        {SafetensorsDType::U8, "U8", 8},
    {SafetensorsDType::I8, "I8", 8},            {SafetensorsDType::I16, "I16", 16},
    {SafetensorsDType::U16, "U16", 16},         {SafetensorsDType::I32, "I32", 32},
    {SafetensorsDType::U32, "U32", 32},         {SafetensorsDType::I64, "I64", 64},
    {SafetensorsDType::U64, "U64", 64},         {SafetensorsDType::F16, "F16", 16},
    {SafetensorsDType::BF16, "BF16", 16},       {SafetensorsDType::F32, "F32", 32},
    {SafetensorsDType::F64, "F64", 64},         {SafetensorsDType::C64, "C64", 64},
    {SafetensorsDType::F8_E4M3, "F8_E4M3", 8},  {SafetensorsDType::F8_E5M2, "F8_E5M2", 8},
    {SafetensorsDType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8},
    {SafetensorsDType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8},
    {SafetensorsDType::F8_E8M0, "F8_E8M0", 8},  {SafetensorsDType::F4, "F4", 4},
    {SafetensorsDType::F6_E2M3, "F6_E2M3", 6},  {SafetensorsDType::F6_E3M2, "F6_E3M2", 6},
}};

// The reference implementation rejects headers above 100 MB; so do we (it also bounds memory).
constexpr uint64_t kMaxHeader = 100'000'000;

template <class T>
T load_le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // memcpy: tensors need not be aligned in the file
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

// Generic 8-bit float: `ebits` exponent bits, `bias`; `fn` = finite-only (E4M3: S.1111.111 is NaN);
// `fnuz` = no negative zero, 0x80 is NaN (AMD variants).
float f8_to_float(uint8_t b, int ebits, int bias, bool fn, bool fnuz) {
  const int mbits = 7 - ebits;
  if (fnuz && b == 0x80) return std::numeric_limits<float>::quiet_NaN();
  const bool neg = b & 0x80;
  const int exp = (b >> mbits) & ((1 << ebits) - 1);
  const int mant = b & ((1 << mbits) - 1);
  const int max_exp = (1 << ebits) - 1;
  if (fn && exp == max_exp && mant == (1 << mbits) - 1) return std::numeric_limits<float>::quiet_NaN();
  if (!fn && !fnuz && exp == max_exp)
    return mant ? std::numeric_limits<float>::quiet_NaN()
                : (neg ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  float v = exp == 0 ? std::ldexp(static_cast<float>(mant), 1 - bias - mbits)
                     : std::ldexp(static_cast<float>(mant | (1 << mbits)), exp - bias - mbits);
  return neg ? -v : v;
}

// prod(shape) * bits / 8 rounded up, or false on overflow.
bool tensor_bytes(const std::vector<int64_t>& shape, int bits, size_t* out) {
  unsigned __int128 n = 1;
  for (int64_t d : shape) {
    n *= static_cast<uint64_t>(d);
    if (n > (static_cast<unsigned __int128>(1) << 62)) return false;
  }
  n = (n * static_cast<unsigned>(bits) + 7) / 8;
  *out = static_cast<size_t>(n);
  return true;
}

}  // namespace

SafetensorsDType parse_safetensors_dtype(std::string_view name) {
  for (const auto& row : kDTypes)
    if (row.name == name) return row.dtype;
  throw Error("unknown safetensors dtype '" + std::string(name) + "'");
}

std::string_view safetensors_dtype_name(SafetensorsDType dtype) {
  return kDTypes[static_cast<size_t>(dtype)].name;
}

int safetensors_dtype_bits(SafetensorsDType dtype) { return kDTypes[static_cast<size_t>(dtype)].bits; }

int64_t SafetensorsTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string format_shape(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The mapped file (or an owned copy of in-memory bytes).
struct SafetensorsFile::Storage {
  const std::byte* data = nullptr;
  size_t size = 0;
  void* mapping = nullptr;
  std::string owned;
  ~Storage() {
    if (mapping) munmap(mapping, size);
  }
};

SafetensorsFile SafetensorsFile::open(const fs::path& path) {
  SafetensorsFile f;
  f.label_ = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error("cannot open safetensors file " + f.label_ + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("safetensors path " + f.label_ + " is not a regular file");
  }
  auto storage = std::make_shared<Storage>();
  storage->size = static_cast<size_t>(st.st_size);
  if (storage->size > 0) {
    void* m = mmap(nullptr, storage->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      throw Error("cannot memory-map " + f.label_ + ": " + std::strerror(errno));
    }
    storage->mapping = m;
    storage->data = static_cast<const std::byte*>(m);
  }
  ::close(fd);
  f.storage_ = std::move(storage);
  f.parse();
  return f;
}

SafetensorsFile SafetensorsFile::from_bytes(std::string_view bytes, const std::string& label) {
  SafetensorsFile f;
  f.label_ = label;
  auto storage = std::make_shared<Storage>();
  storage->owned.assign(bytes);
  storage->data = reinterpret_cast<const std::byte*>(storage->owned.data());
  storage->size = storage->owned.size();
  f.storage_ = std::move(storage);
  f.parse();
  return f;
}

void SafetensorsFile::parse() {
  const std::string where = "safetensors file " + label_;
  const auto bad = [&](const std::string& why) {
    return Error(where + " is corrupt or truncated: " + why +
                 " (re-download it or re-save it with save_pretrained)");
  };
  const size_t size = storage_->size;
  if (size < 8) throw bad("it is " + std::to_string(size) + " bytes long, shorter than the 8-byte header length");
  const uint64_t n = load_le<uint64_t>(storage_->data);
  if (n > kMaxHeader) throw bad("header length " + std::to_string(n) + " exceeds 100,000,000 bytes");
  if (n < 2 || 8 + n > size)
    throw bad("header length " + std::to_string(n) + " does not fit in the file's " + std::to_string(size) + " bytes");
  std::string_view header(reinterpret_cast<const char*>(storage_->data) + 8, n);
  if (header.front() != '{') throw bad("header does not start with '{'");
  Json j;
  try {
    j = Json::parse(header.begin(), header.end());
  } catch (const std::exception&) {
    throw bad("header is not valid JSON");
  }
  if (!j.is_object()) throw bad("header is not a JSON object");
  buffer_offset_ = 8 + n;
  const size_t buffer_size = size - buffer_offset_;

  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw bad("__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) throw bad("__metadata__ value '" + m.key() + "' is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) throw bad("entry '" + name + "' is not an object");
    SafetensorsTensor t;
    t.name = name;
    const auto dt = v.find("dtype");
    const auto sh = v.find("shape");
    const auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) throw bad("tensor '" + name + "' has no dtype string");
    try {
      t.dtype = parse_safetensors_dtype(dt->get<std::string>());
    } catch (const Error&) {
      throw bad("tensor '" + name + "' has unknown dtype '" + dt->get<std::string>() + "'");
    }
    if (sh == v.end() || !sh->is_array()) throw bad("tensor '" + name + "' has no shape list");
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
        throw bad("tensor '" + name + "' has a shape entry that is not a non-negative integer");
      const uint64_t du = d.get<uint64_t>();
      if (du > (uint64_t{1} << 62)) throw bad("tensor '" + name + "' has an absurd dimension");
      t.shape.push_back(static_cast<int64_t>(du));
    }
    if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
      throw bad("tensor '" + name + "' has no data_offsets [begin, end]");
    const uint64_t b = (*off)[0].get<uint64_t>(), e = (*off)[1].get<uint64_t>();
    if (b > e || e > buffer_size)
      throw bad("tensor '" + name + "' data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                "] lie outside the " + std::to_string(buffer_size) + "-byte data buffer");
    size_t expect = 0;
    if (!tensor_bytes(t.shape, safetensors_dtype_bits(t.dtype), &expect) || expect != e - b)
      throw bad("tensor '" + name + "' is " + std::to_string(e - b) + " bytes but shape " +
                format_shape(t.shape) + " of " + std::string(safetensors_dtype_name(t.dtype)) +
                " needs " + std::to_string(expect));
    t.begin = b;
    t.end = e;
    tensors_.push_back(std::move(t));
  }

  // The buffer must be covered exactly: sorted by offsets, each tensor starts where the last ended.
  std::vector<size_t> order(tensors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(tensors_[a].begin, tensors_[a].end) < std::pair(tensors_[b].begin, tensors_[b].end);
  });
  size_t cursor = 0;
  for (size_t i : order) {
    const auto& t = tensors_[i];
    if (t.begin != cursor)
      throw bad(t.begin < cursor ? "tensor '" + t.name + "' overlaps another tensor"
                                 : "a hole in the data buffer before tensor '" + t.name + "'");
    cursor = t.end;
  }
  if (cursor != buffer_size)
    throw bad("tensors cover " + std::to_string(cursor) + " of the " + std::to_string(buffer_size) +
              " data bytes");
  for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> SafetensorsFile::bytes(const SafetensorsTensor& t) const {
  return {storage_->data + buffer_offset_ + t.begin, t.end - t.begin};
}

void safetensors_to_f32(SafetensorsDType dtype, const std::byte* src, size_t count, float* dst) {
  using D = SafetensorsDType;
  switch (dtype) {
    case D::F32:
      std::memcpy(dst, src, count * 4);
      return;
    case D::F64:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<double>(src + 8 * i));
      return;
    case D::BF16:
      for (size_t i = 0; i < count; ++i)
        dst[i] = std::bit_cast<float>(static_cast<uint32_t>(load_le<uint16_t>(src + 2 * i)) << 16);
      return;
    case D::F16:
      for (size_t i = 0; i < count; ++i) dst[i] = half_to_float(load_le<uint16_t>(src + 2 * i));
      return;
    case D::F8_E4M3:
    case D::F8_E5M2:
    case D::F8_E4M3FNUZ:
    case D::F8_E5M2FNUZ: {
      const bool e4 = dtype == D::F8_E4M3 || dtype == D::F8_E4M3FNUZ;
      const bool fnuz = dtype == D::F8_E4M3FNUZ || dtype == D::F8_E5M2FNUZ;
      const int bias = e4 ? (fnuz ? 8 : 7) : (fnuz ? 16 : 15);
      // Table once per call: 256 entries are cheaper than decoding every byte.
      std::array<float, 256> table;
      for (int b = 0; b < 256; ++b)
        table[b] = f8_to_float(static_cast<uint8_t>(b), e4 ? 4 : 5, bias, e4 && !fnuz, fnuz);
      for (size_t i = 0; i < count; ++i) dst[i] = table[static_cast<uint8_t>(src[i])];
      return;
    }
    case D::BOOL:
    case D::U8:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(static_cast<uint8_t>(src[i]));
      return;
    case D::I8:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(static_cast<int8_t>(src[i]));
      return;
    case D::I16:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<int16_t>(src + 2 * i));
      return;
    case D::U16:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<uint16_t>(src + 2 * i));
      return;
    case D::I32:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<int32_t>(src + 4 * i));
      return;
    case D::U32:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<uint32_t>(src + 4 * i));
      return;
    case D::I64:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<int64_t>(src + 8 * i));
      return;
    case D::U64:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load_le<uint64_t>(src + 8 * i));
      return;
    default:
      throw Error("safetensors dtype " + std::string(safetensors_dtype_name(dtype)) +
                  " cannot be converted to float32 (not supported by lighteval-cpp)");
  }
}

void SafetensorsFile::to_f32_into(const SafetensorsTensor& t, float* dst) const {
  safetensors_to_f32(t.dtype, bytes(t).data(), static_cast<size_t>(t.numel()), dst);
}

void SafetensorsFile::release(const SafetensorsTensor& t) const {
  if (!storage_->mapping) return;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t begin = buffer_offset_ + t.begin, end = buffer_offset_ + t.end;
  // Only whole pages inside the tensor: neighbours may still be needed.
  const size_t a = (begin + page - 1) / page * page, b = end / page * page;
  if (b > a) madvise(static_cast<char*>(storage_->mapping) + a, b - a, MADV_DONTNEED);
}

std::vector<float> SafetensorsFile::to_f32(const SafetensorsTensor& t) const {
  const size_t n = static_cast<size_t>(t.numel());
  std::vector<float> out(n);
  safetensors_to_f32(t.dtype, bytes(t).data(), n, out.data());
  return out;
}

SafetensorsCheckpoint SafetensorsCheckpoint::from_files(std::vector<SafetensorsFile> files) {
  SafetensorsCheckpoint c;
  c.files_ = std::move(files);
  for (size_t f = 0; f < c.files_.size(); ++f) {
    const auto& ts = c.files_[f].tensors();
    for (size_t i = 0; i < ts.size(); ++i) {
      if (!c.where_.emplace(ts[i].name, std::pair(f, i)).second)
        throw Error("tensor '" + ts[i].name + "' appears in two checkpoint shards (" +
                    c.files_[c.where_[ts[i].name].first].label() + " and " + c.files_[f].label() + ")");
    }
  }
  if (c.files_.size() == 1) c.label_ = c.files_[0].label();
  return c;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_directory(const fs::path& dir) {
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(single)) return from_files({SafetensorsFile::open(single)});
  if (!fs::exists(index))
    throw Error("no model.safetensors or model.safetensors.index.json in " + dir.string() +
                " (only safetensors checkpoints are supported; convert pytorch_model.bin with save_pretrained)");
  Json j;
  try {
    std::string text;
    {
      FILE* fp = std::fopen(index.c_str(), "rb");
      if (!fp) throw Error("cannot read " + index.string());
      char buf[65536];
      size_t k;
      while ((k = std::fread(buf, 1, sizeof buf, fp)) > 0) text.append(buf, k);
      std::fclose(fp);
    }
    j = Json::parse(text);
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
    throw Error(index.string() + " is not valid JSON (re-download the checkpoint)");
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error(index.string() + " has no \"weight_map\" object");
  std::vector<std::string> shard_names;
  std::map<std::string, std::string> wanted;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string()) throw Error(index.string() + ": weight_map value of '" + it.key() + "' is not a file name");
    const std::string shard = it.value().get<std::string>();
    if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      throw Error(index.string() + ": shard name '" + shard + "' is not a plain file name");
    wanted[it.key()] = shard;
    if (std::find(shard_names.begin(), shard_names.end(), shard) == shard_names.end()) shard_names.push_back(shard);
  }
  std::vector<SafetensorsFile> files;
  for (const auto& s : shard_names) {
    if (!fs::exists(dir / s))
      throw Error("checkpoint shard " + (dir / s).string() + " listed in model.safetensors.index.json is missing (re-download the model)");
    files.push_back(SafetensorsFile::open(dir / s));
  }
  SafetensorsCheckpoint c = from_files(std::move(files));
  for (const auto& [name, shard] : wanted) {
    auto it = c.where_.find(name);
    if (it == c.where_.end() || c.files_[it->second.first].label() != (dir / shard).string())
      throw Error("model.safetensors.index.json in " + dir.string() + " maps tensor '" + name + "' to " + shard +
                  ", which does not hold it");
  }
  c.label_ = index.string();
  return c;
}

bool SafetensorsCheckpoint::contains(std::string_view name) const { return where_.find(name) != where_.end(); }

const SafetensorsTensor& SafetensorsCheckpoint::info(std::string_view name) const {
  auto it = where_.find(name);
  if (it == where_.end())
    throw Error("tensor '" + std::string(name) + "' is missing from checkpoint " + label_ +
                " (the weights do not match config.json's architecture)");
  return files_[it->second.first].tensors()[it->second.second];
}

const SafetensorsTensor& SafetensorsCheckpoint::shaped(std::string_view name,
                                                       const std::vector<int64_t>& expected_shape) const {
  const auto& t = info(name);
  if (t.shape != expected_shape)
    throw Error("tensor '" + std::string(name) + "' in " + label_ + " has shape " + format_shape(t.shape) +
                " but config.json implies " + format_shape(expected_shape) + " (config and weights do not match)");
  return t;
}

const SafetensorsFile& SafetensorsCheckpoint::file_of(std::string_view name) const {
  return files_[where_.find(name)->second.first];
}

std::vector<float> SafetensorsCheckpoint::load_f32(std::string_view name, const std::vector<int64_t>& expected_shape) const {
  const auto& t = shaped(name, expected_shape);
  const auto& f = file_of(name);
  auto out = f.to_f32(t);
  f.release(t);
  return out;
}

void SafetensorsCheckpoint::load_f32_into(std::string_view name, const std::vector<int64_t>& expected_shape,
                                          float* dst) const {
  const auto& t = shaped(name, expected_shape);
  const auto& f = file_of(name);
  f.to_f32_into(t, dst);
  f.release(t);
}

std::span<const std::byte> SafetensorsCheckpoint::stored(std::string_view name,
                                                         const std::vector<int64_t>& expected_shape) const {
  return file_of(name).bytes(shaped(name, expected_shape));
}

void SafetensorsCheckpoint::release(std::string_view name) const { file_of(name).release(info(name)); }

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : where_) out.push_back(k);
  return out;
}

std::string SafetensorsCheckpoint::label() const { return label_; }

size_t SafetensorsCheckpoint::total_bytes() const {
  size_t n = 0;
  for (const auto& f : files_)
    for (const auto& t : f.tensors()) n += t.end - t.begin;
  return n;
}

}  // namespace lighteval::formats
