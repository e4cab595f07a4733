// formats/parquet_writer: writes flat tables as parquet (one row group, data page v1, PLAIN values,
// RLE definition levels, SNAPPY), readable by pyarrow, pandas and the datasets library. Enough for
// lighteval's details files, where every value is a string, an integer, a float, a bool or null.
// Limits: no nested types, no dictionary encoding, no statistics.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::formats {

struct ParquetColumn {
  std::string name;
  enum class Type { string, int64, float64, boolean } type = Type::string;
  std::vector<Json> values;  // one per row; null allowed (every column is nullable)
};

// Writes `file` atomically (a temporary file in the same directory, then rename), creating the
// parent directory if needed. `key_value_metadata` is a JSON object; string values are stored as
// they are, other values as their JSON text. Throws lighteval::Error for columns of unequal length,
// empty or duplicate names, a value of the wrong type, or an I/O failure.
void write_parquet(const std::filesystem::path& file, const std::vector<ParquetColumn>& columns,
                   const Json& key_value_metadata = Json::object());

}  // namespace lighteval::formats
