#include "formats/parquet_decode.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <limits>

namespace lighteval::formats::parquet {

namespace {

constexpr size_t kMaxPageBytes = size_t{1} << 31;  // page sizes are i32 in the format

void check_size(size_t got, size_t want, const char* codec) {
  if (got != want)
    throw DecodeError(std::string(codec) + " page decompressed to " + std::to_string(got) +
                      " bytes, but its header says " + std::to_string(want));
}

// Streaming decompressors grow their output as data really comes out, so a forged page size never
// makes us allocate memory the input cannot fill.
size_t initial_capacity(size_t input, size_t want) {
  size_t guess = input * 4 + 4096;
  return (guess < want ? guess : want) + 1;  // one spare byte detects overlong output
}

std::string gunzip(std::string_view in, size_t want) {
  std::string out;
  out.resize(initial_capacity(in.size(), want));
  size_t produced = 0;
  size_t consumed = 0;
  // A gzip stream may hold several members; zlib's auto header detection also accepts raw zlib.
  while (consumed < in.size()) {
    z_stream zs{};
    if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) throw DecodeError("zlib initialisation failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    zs.avail_in = static_cast<uInt>(in.size() - consumed);
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (produced == out.size()) {
        if (out.size() > want) { inflateEnd(&zs); throw DecodeError("GZIP page decompresses to more bytes than its header says"); }
        out.resize(std::min(want + 1, out.size() * 2 + 1));
      }
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      zs.avail_out = static_cast<uInt>(out.size() - produced);
      rc = inflate(&zs, Z_NO_FLUSH);
      produced = out.size() - zs.avail_out;
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) { inflateEnd(&zs); throw DecodeError("GZIP page is truncated"); }
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        inflateEnd(&zs);
        throw DecodeError("GZIP page is corrupt (zlib: " + std::string(zs.msg ? zs.msg : "error") + ")");
      }
    }
    consumed = in.size() - zs.avail_in;
    inflateEnd(&zs);
    if (produced == want) break;
  }
  out.resize(produced);
  check_size(produced, want, "GZIP");
  return out;
}

std::string unzstd(std::string_view in, size_t want) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (!ctx) throw DecodeError("zstd initialisation failed");
  std::string out;
  out.resize(initial_capacity(in.size(), want));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  while (ib.pos < ib.size) {
    if (produced == out.size()) {
      if (out.size() > want) { ZSTD_freeDCtx(ctx); throw DecodeError("ZSTD page decompresses to more bytes than its header says"); }
      out.resize(std::min(want + 1, out.size() * 2 + 1));
    }
    ZSTD_outBuffer ob{out.data(), out.size(), produced};
    size_t rc = ZSTD_decompressStream(ctx, &ob, &ib);
    produced = ob.pos;
    if (ZSTD_isError(rc)) {
      std::string msg = ZSTD_getErrorName(rc);
      ZSTD_freeDCtx(ctx);
      throw DecodeError("ZSTD page is corrupt (" + msg + ")");
    }
    if (rc != 0 && ib.pos == ib.size && produced < out.size()) {
      ZSTD_freeDCtx(ctx);
      throw DecodeError("ZSTD page is truncated");
    }
  }
  ZSTD_freeDCtx(ctx);
  out.resize(produced);
  check_size(produced, want, "ZSTD");
  return out;
}

std::string unbrotli(std::string_view in, size_t want) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!st) throw DecodeError("brotli initialisation failed");
  std::string out;
  out.resize(initial_capacity(in.size(), want));
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t avail_in = in.size();
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > want) { BrotliDecoderDestroyInstance(st); throw DecodeError("BROTLI page decompresses to more bytes than its header says"); }
      out.resize(std::min(want + 1, out.size() * 2 + 1));
    }
    uint8_t* next_out = reinterpret_cast<uint8_t*>(out.data() + produced);
    size_t avail_out = out.size() - produced;
    BrotliDecoderResult rc = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    produced = out.size() - avail_out;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) break;
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      if (produced > want) { BrotliDecoderDestroyInstance(st); throw DecodeError("BROTLI page decompresses to more bytes than its header says"); }
      continue;
    }
    BrotliDecoderDestroyInstance(st);
    throw DecodeError(rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ? "BROTLI page is truncated"
                                                                   : "BROTLI page is corrupt");
  }
  BrotliDecoderDestroyInstance(st);
  out.resize(produced);
  check_size(produced, want, "BROTLI");
  return out;
}

std::string unlz4_raw(std::string_view in, size_t want) {
  // LZ4 cannot expand a byte into more than 255 bytes, which bounds an honest header.
  if (want > in.size() * 255 + 16) throw DecodeError("LZ4 page claims an impossible decompressed size");
  if (in.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      want > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw DecodeError("LZ4 page is too large");
  std::string out(want, '\0');
  int n = LZ4_decompress_safe(in.data(), out.data(), static_cast<int>(in.size()), static_cast<int>(want));
  if (n < 0) throw DecodeError("LZ4 page is corrupt");
  check_size(static_cast<size_t>(n), want, "LZ4");
  return out;
}

uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// The deprecated LZ4 codec: Hadoop's framing (u32 BE sizes before each block) or, as some writers
// did, a bare LZ4 block. Try the framing first, as Arrow does.
std::string unlz4_hadoop(std::string_view in, size_t want) {
  std::string out;
  size_t pos = 0;
  bool framed = true;
  while (pos < in.size()) {
    if (in.size() - pos < 8) { framed = false; break; }
    uint32_t raw_len = be32(in.data() + pos), comp_len = be32(in.data() + pos + 4);
    if (comp_len > in.size() - pos - 8 || raw_len > want - out.size()) { framed = false; break; }
    out += unlz4_raw(in.substr(pos + 8, comp_len), raw_len);
    pos += 8 + comp_len;
  }
  if (framed && out.size() == want) return out;
  return unlz4_raw(in, want);
}

}  // namespace

const char* codec_name(int codec) {
  switch (codec) {
    case 0: return "UNCOMPRESSED";
    case 1: return "SNAPPY";
    case 2: return "GZIP";
    case 3: return "LZO";
    case 4: return "BROTLI";
    case 5: return "LZ4";
    case 6: return "ZSTD";
    case 7: return "LZ4_RAW";
    default: return "unknown";
  }
}

std::string decompress(int codec, std::string_view in, size_t want) {
  if (want >= kMaxPageBytes) throw DecodeError("page is larger than parquet allows");
  switch (codec) {
    case 0:
      check_size(in.size(), want, "uncompressed");
      return std::string(in);
    case 1: {
      size_t len = 0;
      if (snappy_uncompressed_length(in.data(), in.size(), &len) != SNAPPY_OK)
        throw DecodeError("SNAPPY page is corrupt (bad length header)");
      check_size(len, want, "SNAPPY");
      // A snappy tag of at most 5 bytes yields at most 64 bytes.
      if (len > in.size() * 64 + 64) throw DecodeError("SNAPPY page claims an impossible size");
      std::string out(len, '\0');
      if (snappy_uncompress(in.data(), in.size(), out.data(), &len) != SNAPPY_OK)
        throw DecodeError("SNAPPY page is corrupt");
      check_size(len, want, "SNAPPY");
      return out;
    }
    case 2: return gunzip(in, want);
    case 4: return unbrotli(in, want);
    case 5: return unlz4_hadoop(in, want);
    case 6: return unzstd(in, want);
    case 7: return unlz4_raw(in, want);
    default:
      throw DecodeError(std::string("compression codec ") + codec_name(codec) + " (" +
                        std::to_string(codec) + ") is not supported; rewrite the file with "
                        "SNAPPY, GZIP, ZSTD, LZ4_RAW, BROTLI or no compression");
  }
}

int bit_width_for(uint32_t max_value) {
  int w = 0;
  while (max_value) { ++w; max_value >>= 1; }
  return w;
}

uint64_t read_bits_lsb(const uint8_t* data, uint64_t bit_offset, int width) {
  uint64_t v = 0;
  int got = 0;
  uint64_t byte = bit_offset >> 3;
  int shift = static_cast<int>(bit_offset & 7);
  while (got < width) {
    uint64_t b = data[byte++] >> shift;
    int take = 8 - shift;
    v |= b << got;
    got += take;
    shift = 0;
  }
  if (width < 64) v &= (uint64_t{1} << width) - 1;
  return v;
}

namespace {
uint64_t read_uleb(const uint8_t* data, size_t size, size_t& pos) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= size) throw DecodeError("encoded values end inside a varint");
    uint8_t b = data[pos++];
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
  }
  throw DecodeError("malformed varint in encoded values");
}
int64_t read_zigzag(const uint8_t* data, size_t size, size_t& pos) {
  uint64_t n = read_uleb(data, size, pos);
  return static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
}
}  // namespace

size_t decode_hybrid(const uint8_t* data, size_t size, int bit_width, size_t count,
                     std::vector<uint32_t>& out) {
  if (bit_width < 0 || bit_width > 32) throw DecodeError("RLE bit width " + std::to_string(bit_width) + " is out of range");
  size_t pos = 0;
  size_t done = 0;
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  out.reserve(out.size() + count);
  while (done < count) {
    uint64_t header = read_uleb(data, size, pos);
    if (header & 1) {
      uint64_t groups = header >> 1;
      if (groups > (size - pos) / (bit_width ? bit_width : 1) + 1) throw DecodeError("bit-packed run runs past the end of its page");
      uint64_t bytes = groups * static_cast<uint64_t>(bit_width);
      uint64_t n = groups * 8;
      if (bytes > size - pos) {
        // Writers may truncate the final run's padding: accept it if the values we need are there.
        uint64_t need = count - done;
        if (need > n || (need * bit_width + 7) / 8 > size - pos) throw DecodeError("bit-packed run runs past the end of its page");
        bytes = size - pos;
      }
      uint64_t take = std::min<uint64_t>(n, count - done);
      for (uint64_t i = 0; i < take; ++i)
        out.push_back(bit_width ? static_cast<uint32_t>(read_bits_lsb(data + pos, i * bit_width, bit_width)) : 0);
      done += take;
      pos += bytes;
    } else {
      uint64_t n = header >> 1;
      if (value_bytes > size - pos) throw DecodeError("RLE run runs past the end of its page");
      uint32_t v = 0;
      for (size_t i = 0; i < value_bytes; ++i) v |= static_cast<uint32_t>(data[pos + i]) << (8 * i);
      pos += value_bytes;
      if (bit_width < 32 && (v >> bit_width) != 0) throw DecodeError("RLE run value is wider than its bit width");
      if (n == 0) continue;
      uint64_t take = std::min<uint64_t>(n, count - done);
      out.insert(out.end(), take, v);
      done += take;
    }
  }
  return pos;
}

size_t decode_bit_packed_msb(const uint8_t* data, size_t size, int bit_width, size_t count,
                             std::vector<uint32_t>& out) {
  if (bit_width < 0 || bit_width > 32) throw DecodeError("bit width out of range");
  uint64_t bytes = (static_cast<uint64_t>(count) * bit_width + 7) / 8;
  if (bytes > size) throw DecodeError("BIT_PACKED levels run past the end of their page");
  for (size_t i = 0; i < count; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bit_width; ++b) {
      uint64_t bit = static_cast<uint64_t>(i) * bit_width + b;
      v = (v << 1) | ((data[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    out.push_back(v);
  }
  return bytes;
}

size_t decode_delta_binary_packed(const uint8_t* data, size_t size, size_t max_values,
                                  std::vector<int64_t>& out) {
  size_t pos = 0;
  uint64_t block_size = read_uleb(data, size, pos);
  uint64_t miniblocks = read_uleb(data, size, pos);
  uint64_t total = read_uleb(data, size, pos);
  uint64_t value = static_cast<uint64_t>(read_zigzag(data, size, pos));
  if (block_size == 0 || block_size % 128 != 0 || miniblocks == 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0 || block_size > (1u << 20))
    throw DecodeError("DELTA_BINARY_PACKED header is invalid");
  // Each value needs at least... nothing when bit widths are 0, so bound the count by the page: a
  // block of any size costs at least one min_delta byte plus the width bytes.
  if (total > max_values)
    throw DecodeError("DELTA_BINARY_PACKED holds " + std::to_string(total) + " values where the page has " +
                      std::to_string(max_values));
  if (total == 0) return pos;
  out.reserve(out.size() + total);
  out.push_back(static_cast<int64_t>(value));
  uint64_t remaining = total - 1;
  const uint64_t per_mini = block_size / miniblocks;
  while (remaining > 0) {
    uint64_t min_delta = static_cast<uint64_t>(read_zigzag(data, size, pos));
    if (miniblocks > size - pos) throw DecodeError("DELTA_BINARY_PACKED block runs past the end of its page");
    const uint8_t* widths = data + pos;
    pos += miniblocks;
    for (uint64_t m = 0; m < miniblocks && remaining > 0; ++m) {
      int w = widths[m];
      if (w > 64) throw DecodeError("DELTA_BINARY_PACKED bit width over 64");
      uint64_t bytes = per_mini * w / 8;
      if (bytes > size - pos) throw DecodeError("DELTA_BINARY_PACKED miniblock runs past the end of its page");
      uint64_t take = std::min(per_mini, remaining);
      for (uint64_t i = 0; i < take; ++i) {
        uint64_t packed = w ? read_bits_lsb(data + pos, i * w, w) : 0;
        value += min_delta + packed;
        out.push_back(static_cast<int64_t>(value));
      }
      remaining -= take;
      pos += bytes;
    }
  }
  return pos;
}

}  // namespace lighteval::formats::parquet
