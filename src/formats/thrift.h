// formats/thrift: the Thrift compact protocol, as much as parquet metadata needs. The reader is
// bounds-checked everywhere (it parses untrusted footers and page headers) and throws ThriftError;
// the writer produces what the reader and pyarrow accept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace lighteval::formats::thrift {

// Raised on malformed input; callers wrap it with the file name.
class ThriftError : public Error {
 public:
  explicit ThriftError(const std::string& message) : Error(message) {}
};

enum class Type : uint8_t {
  stop = 0, bool_true = 1, bool_false = 2, i8 = 3, i16 = 4, i32 = 5, i64 = 6, dbl = 7,
  binary = 8, list = 9, set = 10, map = 11, strct = 12, uuid = 13
};

struct FieldHeader {
  int16_t id = 0;
  Type type = Type::stop;
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // Struct framing: begin pushes the field-id context, next_field returns type stop at the end.
  void struct_begin();
  void struct_end();
  FieldHeader next_field();

  bool read_bool(const FieldHeader& h);  // a bool field carries its value in the type nibble
  int8_t read_i8();
  int16_t read_i16() { return static_cast<int16_t>(read_zigzag()); }
  int32_t read_i32() { return static_cast<int32_t>(read_zigzag()); }
  int64_t read_i64() { return read_zigzag(); }
  double read_double();
  std::string read_binary();
  // List header: element type and count (count is checked against the bytes left).
  void list_begin(Type& elem, uint32_t& count);
  bool read_list_bool();
  void skip(Type type, int depth = 0);

  size_t position() const { return pos_; }

 private:
  uint64_t read_varint();
  int64_t read_zigzag();
  uint8_t byte();

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::vector<int16_t> last_ids_;
  int16_t last_id_ = 0;
};

class Writer {
 public:
  void struct_begin();
  void struct_end();  // writes the stop byte
  void field(int16_t id, Type type);
  void field_bool(int16_t id, bool value);
  void field_i32(int16_t id, int32_t v) { field(id, Type::i32); write_zigzag(v); }
  void field_i64(int16_t id, int64_t v) { field(id, Type::i64); write_zigzag(v); }
  void field_binary(int16_t id, std::string_view v) { field(id, Type::binary); write_binary(v); }
  void list_begin(Type elem, uint32_t count);
  void write_i32(int32_t v) { write_zigzag(v); }
  void write_binary(std::string_view v);
  const std::string& bytes() const { return out_; }

 private:
  void write_varint(uint64_t v);
  void write_zigzag(int64_t v);

  std::string out_;
  std::vector<int16_t> last_ids_;
  int16_t last_id_ = 0;
};

}  // namespace lighteval::formats::thrift
