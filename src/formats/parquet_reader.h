// formats/parquet_reader: parquet file facts beyond the rows (open_parquet in formats/rows.h gives
// those): the footer's key/value metadata, where datasets keeps its Features JSON under
// "huggingface", and the row counts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "util/json.h"

namespace lighteval::formats {

struct ParquetInfo {
  int64_t num_rows = 0;
  int64_t num_row_groups = 0;
  std::string created_by;
  // Footer key/value metadata as a JSON object of strings, in file order.
  Json key_value_metadata = Json::object();
};

ParquetInfo parquet_info(const std::filesystem::path& file);
// The footer key/value metadata; values that hold JSON (such as "huggingface") are parsed, others
// stay strings. ARROW:schema (base64 IPC bytes) stays a string.
Json parquet_key_value_metadata(const std::filesystem::path& file);

}  // namespace lighteval::formats
