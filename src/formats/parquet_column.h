// formats/parquet_column: reads one column chunk (all its pages) into repetition levels,
// definition levels and JSON values, ready for record assembly.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/parquet_meta.h"
#include "formats/parquet_schema.h"
#include "util/json.h"

namespace lighteval::formats::parquet {

struct ColumnData {
  std::vector<int16_t> rep, def;  // one entry per level slot (values and nulls)
  std::vector<Json> values;       // the non-null values, in order
  std::vector<int32_t> value_index;  // per entry: index into values, or -1
  std::vector<size_t> row_starts;    // entries where a new row begins, plus the end
};

struct LeafInfo {
  const SchemaElement* element = nullptr;
  int max_def = 0, max_rep = 0;
};

// `chunk` holds the column chunk's bytes (page headers and pages). Throws DecodeError or
// thrift::ThriftError on anything malformed. `max_entries` bounds the level slots it may produce.
ColumnData read_column_chunk(std::string_view chunk, const ColumnMetaData& meta, const LeafInfo& leaf,
                             int64_t max_entries);

}  // namespace lighteval::formats::parquet
