#include "formats/thrift.h"

#include <cstring>

namespace lighteval::formats::thrift {

namespace {
constexpr int kMaxDepth = 64;  // nested structs in parquet metadata are a few levels deep
}

uint8_t Reader::byte() {
  if (pos_ >= size_) throw ThriftError("metadata ends unexpectedly (truncated Thrift data)");
  return data_[pos_++];
}

uint64_t Reader::read_varint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = byte();
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
  }
  throw ThriftError("malformed varint in Thrift data");
}

int64_t Reader::read_zigzag() {
  uint64_t n = read_varint();
  return static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
}

void Reader::struct_begin() {
  if (last_ids_.size() >= kMaxDepth) throw ThriftError("Thrift structs nested too deeply");
  last_ids_.push_back(last_id_);
  last_id_ = 0;
}

void Reader::struct_end() {
  if (last_ids_.empty()) throw ThriftError("unbalanced Thrift struct");
  last_id_ = last_ids_.back();
  last_ids_.pop_back();
}

FieldHeader Reader::next_field() {
  uint8_t b = byte();
  FieldHeader h;
  h.type = static_cast<Type>(b & 0x0f);
  if (h.type == Type::stop) return h;
  if (static_cast<uint8_t>(h.type) > 13) throw ThriftError("unknown Thrift field type");
  int delta = b >> 4;
  h.id = delta ? static_cast<int16_t>(last_id_ + delta) : read_i16();
  last_id_ = h.id;
  return h;
}

bool Reader::read_bool(const FieldHeader& h) { return h.type == Type::bool_true; }

int8_t Reader::read_i8() { return static_cast<int8_t>(byte()); }

double Reader::read_double() {
  if (size_ - pos_ < 8) throw ThriftError("metadata ends inside a double");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += 8;
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

std::string Reader::read_binary() {
  uint64_t n = read_varint();
  if (n > size_ - pos_) throw ThriftError("Thrift string length runs past the end of the data");
  std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
  pos_ += n;
  return s;
}

void Reader::list_begin(Type& elem, uint32_t& count) {
  uint8_t b = byte();
  elem = static_cast<Type>(b & 0x0f);
  uint64_t n = b >> 4;
  if (n == 15) n = read_varint();
  // Every element takes at least one byte, except bools packed... which also take one byte here.
  if (n > size_ - pos_) throw ThriftError("Thrift list longer than the data holding it");
  count = static_cast<uint32_t>(n);
}

bool Reader::read_list_bool() { return byte() == 1; }

void Reader::skip(Type type, int depth) {
  if (depth > kMaxDepth) throw ThriftError("Thrift data nested too deeply");
  switch (type) {
    case Type::bool_true:
    case Type::bool_false:
      return;
    case Type::i8:
      byte();
      return;
    case Type::i16:
    case Type::i32:
    case Type::i64:
      read_varint();
      return;
    case Type::dbl:
      read_double();
      return;
    case Type::binary: {
      uint64_t n = read_varint();
      if (n > size_ - pos_) throw ThriftError("Thrift string length runs past the end of the data");
      pos_ += n;
      return;
    }
    case Type::uuid:
      if (size_ - pos_ < 16) throw ThriftError("metadata ends inside a UUID");
      pos_ += 16;
      return;
    case Type::list:
    case Type::set: {
      Type elem;
      uint32_t count;
      list_begin(elem, count);
      for (uint32_t i = 0; i < count; ++i) {
        if (elem == Type::bool_true || elem == Type::bool_false) byte();
        else skip(elem, depth + 1);
      }
      return;
    }
    case Type::map: {
      uint64_t n = read_varint();
      if (n == 0) return;
      if (n > size_ - pos_) throw ThriftError("Thrift map longer than the data holding it");
      uint8_t kv = byte();
      Type k = static_cast<Type>(kv >> 4), v = static_cast<Type>(kv & 0x0f);
      for (uint64_t i = 0; i < n; ++i) {
        if (k == Type::bool_true || k == Type::bool_false) byte(); else skip(k, depth + 1);
        if (v == Type::bool_true || v == Type::bool_false) byte(); else skip(v, depth + 1);
      }
      return;
    }
    case Type::strct: {
      struct_begin();
      for (;;) {
        FieldHeader h = next_field();
        if (h.type == Type::stop) break;
        skip(h.type, depth + 1);
      }
      struct_end();
      return;
    }
    case Type::stop:
    default:
      throw ThriftError("unknown Thrift type");
  }
}

void Writer::write_varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Writer::write_zigzag(int64_t v) {
  write_varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void Writer::struct_begin() {
  last_ids_.push_back(last_id_);
  last_id_ = 0;
}

void Writer::struct_end() {
  out_.push_back(0);
  last_id_ = last_ids_.back();
  last_ids_.pop_back();
}

void Writer::field(int16_t id, Type type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_.push_back(static_cast<char>(type));
    write_zigzag(id);
  }
  last_id_ = id;
}

void Writer::field_bool(int16_t id, bool value) { field(id, value ? Type::bool_true : Type::bool_false); }

void Writer::list_begin(Type elem, uint32_t count) {
  if (count < 15) {
    out_.push_back(static_cast<char>((count << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_.push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
    write_varint(count);
  }
}

void Writer::write_binary(std::string_view v) {
  write_varint(v.size());
  out_.append(v);
}

}  // namespace lighteval::formats::thrift
