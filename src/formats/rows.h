// formats/rows: one streaming row interface over the data files datasets come in: parquet, JSON
// Lines, JSON and CSV. Rows are JSON objects whose keys follow the file's column order. Readers never
// trust the file: a missing, truncated or malformed file raises lighteval::Error with one line
// naming the file, the place (line number, column, row group) and what is wrong.
//
// Limits: parquet values are rendered as documented in formats/parquet_schema.h; CSV values are
// always strings (no type inference); JSON and JSON Lines rows must be objects.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::formats {

class RowReader {
 public:
  virtual ~RowReader() = default;
  // Fills `row` with the next row (a JSON object) and returns true, or returns false at the end.
  virtual bool next(Json& row) = 0;
  // Parquet: the top-level fields of the schema. CSV: the header. JSON Lines: the keys of the first
  // row. JSON: every key seen in any row, in first-seen order.
  virtual const std::vector<std::string>& column_names() const = 0;
};

// Chooses the reader by extension: .parquet, .jsonl / .ndjson (also .jsonl.gz), .json, .csv.
std::unique_ptr<RowReader> open_rows(const std::filesystem::path& file);
std::unique_ptr<RowReader> open_parquet(const std::filesystem::path& file);
std::unique_ptr<RowReader> open_jsonl(const std::filesystem::path& file);
// A JSON array of objects, an object holding one such array (e.g. {"data": [...]}), an object of
// equally long column arrays, or — as the datasets library accepts in .json files — JSON Lines.
std::unique_ptr<RowReader> open_json(const std::filesystem::path& file);
// RFC 4180 with a header row: quoted fields may hold commas, doubled quotes and line breaks; CR LF,
// LF and a UTF-8 BOM are accepted; blank lines are skipped; a short row is filled with nulls.
std::unique_ptr<RowReader> open_csv(const std::filesystem::path& file);

// The same readers over bytes in memory; `name` is used in error messages.
std::unique_ptr<RowReader> open_parquet_bytes(std::string bytes, const std::string& name);
std::unique_ptr<RowReader> open_jsonl_text(std::string text, const std::string& name);
std::unique_ptr<RowReader> open_json_text(std::string text, const std::string& name);
std::unique_ptr<RowReader> open_csv_text(std::string text, const std::string& name);

std::vector<Json> read_all_rows(const std::filesystem::path& file);

}  // namespace lighteval::formats
