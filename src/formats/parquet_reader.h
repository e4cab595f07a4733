// formats/parquet_reader: parquet file facts beyond the rows (open_parquet in formats/rows.h gives
// those): the footer's key/value metadata, where datasets keeps its Features JSON under
// "huggingface", and the row counts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "formats/rows.h"

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

// Resource bounds for untrusted input (the fuzzer lowers them). A column chunk needing more level
// slots (values, nulls and empty lists) than this is refused with an error instead of read.
struct ParquetReadLimits {
  int64_t max_slots_per_column_chunk = (int64_t{1} << 31) - 1;
};
std::unique_ptr<RowReader> open_parquet_bytes(std::string bytes, const std::string& name,
                                              const ParquetReadLimits& limits);
// The footer key/value metadata; values that hold JSON (such as "huggingface") are parsed, others
// stay strings. ARROW:schema (base64 IPC bytes) stays a string.
Json parquet_key_value_metadata(const std::filesystem::path& file);

}  // namespace lighteval::formats
