// formats/parquet_meta: the parts of parquet's FileMetaData and PageHeader that the reader uses,
// decoded from the Thrift compact protocol (field ids from apache/parquet-format parquet.thrift).
// Unknown fields are skipped, so files from newer writers still load.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lighteval::formats::parquet {

enum class PhysicalType : int32_t {
  boolean = 0, int32 = 1, int64 = 2, int96 = 3, float32 = 4, float64 = 5, byte_array = 6,
  fixed_len_byte_array = 7
};
enum class Repetition : int32_t { required = 0, optional = 1, repeated = 2 };

// ConvertedType values (legacy annotations, still written by every writer).
namespace converted {
inline constexpr int utf8 = 0, map = 1, map_key_value = 2, list = 3, enum_ = 4, decimal = 5,
                     date = 6, time_millis = 7, time_micros = 8, timestamp_millis = 9,
                     timestamp_micros = 10, uint_8 = 11, uint_16 = 12, uint_32 = 13, uint_64 = 14,
                     int_8 = 15, int_16 = 16, int_32 = 17, int_64 = 18, json = 19, bson = 20,
                     interval = 21;
}

// LogicalType is a Thrift union; `kind` is the id of the field that was set (0 = none).
struct LogicalType {
  enum Kind : int {
    none = 0, string = 1, map = 2, list = 3, enum_ = 4, decimal = 5, date = 6, time = 7,
    timestamp = 8, integer = 10, unknown = 11, json = 12, bson = 13, uuid = 14, float16 = 15
  };
  int kind = none;
  int32_t scale = 0, precision = 0;       // decimal
  bool adjusted_to_utc = false;           // time, timestamp
  int unit = 0;                           // time, timestamp: 1 millis, 2 micros, 3 nanos
  int bit_width = 0;                      // integer
  bool is_signed = true;                  // integer
};

struct SchemaElement {
  std::optional<PhysicalType> type;  // absent for groups
  int32_t type_length = 0;
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;
  std::optional<int32_t> converted_type;
  int32_t scale = 0, precision = 0;
  LogicalType logical;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::int32;
  std::vector<std::string> path_in_schema;
  int32_t codec = 0;
  int64_t num_values = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
};

struct ColumnChunk {
  bool has_file_path = false;
  bool has_meta_data = false;
  ColumnMetaData meta;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t num_rows = 0;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::string created_by;
};

enum class PageType : int32_t { data_page = 0, index_page = 1, dictionary_page = 2, data_page_v2 = 3 };

struct PageHeader {
  int32_t type = 0;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  // DataPageHeader / DictionaryPageHeader / DataPageHeaderV2, whichever is set.
  bool has_data = false, has_dictionary = false, has_data_v2 = false;
  int32_t num_values = 0;
  int32_t encoding = 0;
  int32_t def_level_encoding = 3, rep_level_encoding = 3;
  int32_t num_nulls = 0, num_rows = 0;                       // v2
  int32_t def_levels_byte_length = 0, rep_levels_byte_length = 0;  // v2
  bool is_compressed = true;                                 // v2
};

// Both throw thrift::ThriftError on malformed bytes. decode_page_header reports how many bytes the
// header took in `consumed`.
FileMetaData decode_file_metadata(const uint8_t* data, size_t size);
PageHeader decode_page_header(const uint8_t* data, size_t size, size_t& consumed);

}  // namespace lighteval::formats::parquet
