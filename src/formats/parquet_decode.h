// formats/parquet_decode: parquet's page-level codecs and encodings (apache/parquet-format
// Encodings.md, Compression.md). Every function bounds-checks its input and throws DecodeError
// (which the reader turns into a message naming the file and column); none trusts a length field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace lighteval::formats::parquet {

class DecodeError : public Error {
 public:
  explicit DecodeError(const std::string& message) : Error(message) {}
};

// CompressionCodec ids: 0 UNCOMPRESSED, 1 SNAPPY, 2 GZIP, 4 BROTLI, 5 LZ4 (Hadoop-framed or raw),
// 6 ZSTD, 7 LZ4_RAW. The output must be exactly `uncompressed_size` bytes.
std::string decompress(int codec, std::string_view input, size_t uncompressed_size);
const char* codec_name(int codec);

// Bits needed for values 0..max_value.
int bit_width_for(uint32_t max_value);

// RLE / bit-packed hybrid runs (no length prefix) holding `count` values of `bit_width` bits.
// Returns the number of bytes consumed.
size_t decode_hybrid(const uint8_t* data, size_t size, int bit_width, size_t count,
                     std::vector<uint32_t>& out);
// Deprecated BIT_PACKED level encoding (MSB first). Returns bytes consumed.
size_t decode_bit_packed_msb(const uint8_t* data, size_t size, int bit_width, size_t count,
                             std::vector<uint32_t>& out);

// DELTA_BINARY_PACKED. Appends the values and returns the bytes consumed (through the padding of
// the last miniblock, as the format requires). More than `max_values` values is an error.
size_t decode_delta_binary_packed(const uint8_t* data, size_t size, size_t max_values,
                                  std::vector<int64_t>& out);

// Unpacks one bit-packed integer of `width` (0..64) bits starting at bit `bit_offset`; the caller
// has checked that the bits are inside the buffer.
uint64_t read_bits_lsb(const uint8_t* data, uint64_t bit_offset, int width);

}  // namespace lighteval::formats::parquet
