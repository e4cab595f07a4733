// formats/parquet_schema: the schema tree rebuilt from FileMetaData's depth-first schema list, with
// each node's definition and repetition level, and how a leaf's physical values become JSON.
//
// JSON rendering of parquet values (the same rules the fixture generator uses for its expected rows):
//   BOOLEAN -> true/false; INT32/INT64 -> integer (unsigned for UINT_* / INTEGER(unsigned));
//   FLOAT/DOUBLE/FLOAT16 -> number (NaN and infinities become JSON null when dumped);
//   STRING/ENUM/JSON (UTF8) -> string (invalid UTF-8 sequences replaced by U+FFFD);
//   DATE -> "YYYY-MM-DD"; TIME -> "HH:MM:SS.fff" (3, 6 or 9 fraction digits by unit);
//   TIMESTAMP and INT96 -> "YYYY-MM-DDTHH:MM:SS.fff[fff[fff]]" (digits by unit, INT96 = nanos),
//   with a trailing "Z" when the timestamp is adjusted to UTC;
//   DECIMAL -> string in fixed notation with exactly `scale` fraction digits ("-12.50");
//   UUID -> "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; other BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY -> base64;
//   LIST -> array; MAP -> array of [key, value] pairs (as pyarrow's to_pylist gives); STRUCT -> object.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "formats/parquet_meta.h"
#include "util/json.h"

namespace lighteval::formats::parquet {

struct Node {
  const SchemaElement* element = nullptr;
  std::string name;  // element->name made valid UTF-8, as row keys must be
  std::vector<int> children;
  int parent = -1;
  int def_level = 0;  // optional/repeated nodes from the root through this one
  int rep_level = 0;  // repeated nodes from the root through this one
  int leaf_begin = 0, leaf_end = 0;  // the leaves under this node, in column order
  int leaf_index = -1;               // for leaves
  bool is_leaf() const { return leaf_index >= 0; }
  bool repeated() const { return element->repetition == Repetition::repeated; }
  bool optional() const { return element->repetition == Repetition::optional; }
};

struct Schema {
  std::vector<Node> nodes;  // nodes[0] is the root
  std::vector<int> leaves;  // node index of each leaf column
  std::vector<std::string> leaf_paths;  // dotted, for messages
};

// Throws DecodeError when the list is not a well-formed tree.
Schema build_schema(const std::vector<SchemaElement>& elements);

// Converts one leaf's physical values to JSON following the rules above.
class ValueConverter {
 public:
  explicit ValueConverter(const SchemaElement& leaf);
  Json from_bool(bool v) const { return v; }
  Json from_int32(int32_t v) const;
  Json from_int64(int64_t v) const;
  Json from_int96(const uint8_t* p) const;
  Json from_float(float v) const { return static_cast<double>(v); }
  Json from_double(double v) const { return v; }
  Json from_bytes(std::string_view v) const;

 private:
  enum class Kind { plain, unsigned_int, date, time, timestamp, decimal, string, uuid, float16, binary };
  Kind kind_ = Kind::plain;
  int unit_ = 0;  // 1 millis, 2 micros, 3 nanos
  bool utc_ = false;
  int scale_ = 0;
};

std::string base64_encode(std::string_view bytes);
// Valid UTF-8 passes through; each invalid byte becomes U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace lighteval::formats::parquet
