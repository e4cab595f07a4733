// JSON Lines, JSON and CSV row readers. They keep the file's column order and report problems with
// the file name and line number.
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "formats/rows.h"
#include "util/error.h"

namespace lighteval::formats {

namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error ..." -> the part
// after the bracket, without nlohmann's own line number (we give the file's).
std::string json_error_text(const std::exception& e) {
  std::string s = e.what();
  if (auto p = s.find("] "); p != std::string::npos) s = s.substr(p + 2);
  if (s.rfind("parse error at line 1, ", 0) == 0) s = "parse error at " + s.substr(23);
  return s;
}

void strip_bom(std::string& s) {
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xef && static_cast<unsigned char>(s[1]) == 0xbb &&
      static_cast<unsigned char>(s[2]) == 0xbf)
    s.erase(0, 3);
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

const char* kind_name(const Json& j) {
  if (j.is_array()) return "an array";
  if (j.is_string()) return "a string";
  if (j.is_number()) return "a number";
  if (j.is_boolean()) return "a boolean";
  if (j.is_null()) return "null";
  return "an object";
}

std::unique_ptr<std::istream> open_stream(const std::filesystem::path& file, const char* what) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw Error(std::string("cannot read ") + what + " file " + file.string() + ": no such file");
  if (std::filesystem::is_directory(file, ec))
    throw Error(std::string("cannot read ") + what + " file " + file.string() + ": it is a directory");
  auto in = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*in) throw Error(std::string("cannot open ") + what + " file " + file.string() + ": permission denied or unreadable");
  return in;
}

std::string read_whole(std::istream& in) {
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gunzip_file(const std::filesystem::path& file) {
  open_stream(file, "gzip");  // for the existence / permission messages
  gzFile gz = gzopen(file.string().c_str(), "rb");
  if (!gz) throw Error("cannot open gzip file " + file.string());
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(gz, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(gz, &err);
  std::string m = msg ? msg : "";
  gzclose(gz);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw Error("cannot read gzip file " + file.string() + ": " + m + " (corrupt or truncated file)");
  return out;
}

// ---------------------------------------------------------------- JSON Lines
class JsonlReader : public RowReader {
 public:
  JsonlReader(std::unique_ptr<std::istream> in, std::string name) : in_(std::move(in)), name_(std::move(name)) {
    has_pending_ = read_row(pending_);
    if (has_pending_)
      for (auto& [k, v] : pending_.items()) names_.push_back(k);
  }
  bool next(Json& row) override {
    if (has_pending_) {
      row = std::move(pending_);
      has_pending_ = false;
      return true;
    }
    return read_row(row);
  }
  const std::vector<std::string>& column_names() const override { return names_; }

 private:
  bool read_row(Json& row) {
    std::string line;
    while (std::getline(*in_, line)) {
      ++line_no_;
      if (line_no_ == 1) strip_bom(line);
      if (is_blank(line)) continue;
      try {
        row = Json::parse(line);
      } catch (const Json::exception& e) {
        throw Error(name_ + ":" + std::to_string(line_no_) + ": invalid JSON (" + json_error_text(e) +
                    "); each line of a JSON Lines file must be one JSON object");
      }
      if (!row.is_object())
        throw Error(name_ + ":" + std::to_string(line_no_) + ": expected a JSON object, found " + kind_name(row) +
                    "; each line of a JSON Lines file must be one JSON object");
      return true;
    }
    if (in_->bad()) throw Error("cannot read " + name_ + ": I/O error after line " + std::to_string(line_no_));
    return false;
  }

  std::unique_ptr<std::istream> in_;
  std::string name_;
  std::vector<std::string> names_;
  Json pending_;
  bool has_pending_ = false;
  size_t line_no_ = 0;
};

// ---------------------------------------------------------------- JSON
class JsonRowsReader : public RowReader {
 public:
  JsonRowsReader(std::vector<Json> rows) : rows_(std::move(rows)) {
    std::unordered_set<std::string> seen;
    for (const Json& r : rows_)
      for (auto& [k, v] : r.items())
        if (seen.insert(k).second) names_.push_back(k);
  }
  bool next(Json& row) override {
    if (i_ >= rows_.size()) return false;
    // Rows get every column, in column order, null where a row lacks a key (as datasets does).
    Json& src = rows_[i_++];
    row = Json::object();
    for (const std::string& k : names_) {
      auto it = src.find(k);
      row[k] = it == src.end() ? Json(nullptr) : std::move(*it);
    }
    return true;
  }
  const std::vector<std::string>& column_names() const override { return names_; }

 private:
  std::vector<Json> rows_;
  std::vector<std::string> names_;
  size_t i_ = 0;
};

std::vector<Json> rows_from_array(Json& arr, const std::string& name, const std::string& where) {
  std::vector<Json> rows;
  rows.reserve(arr.size());
  size_t i = 0;
  for (Json& el : arr) {
    if (!el.is_object())
      throw Error(name + ": element " + std::to_string(i) + where + " is " + kind_name(el) +
                  ", but rows must be JSON objects");
    rows.push_back(std::move(el));
    ++i;
  }
  return rows;
}

std::unique_ptr<RowReader> json_from_text(std::string text, const std::string& name) {
  strip_bom(text);
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    // The datasets library also reads JSON Lines from .json files.
    std::string first = text.substr(0, text.find('\n'));
    Json probe = Json::parse(first, nullptr, false);
    if (!probe.is_discarded() && probe.is_object())
      return std::make_unique<JsonlReader>(std::make_unique<std::istringstream>(std::move(text)), name);
    throw Error(name + ": invalid JSON (" + json_error_text(e) + ")");
  }
  if (doc.is_array()) return std::make_unique<JsonRowsReader>(rows_from_array(doc, name, ""));
  if (doc.is_object()) {
    if (doc.size() == 1 && doc.begin().value().is_array() &&
        std::all_of(doc.begin().value().begin(), doc.begin().value().end(), [](const Json& j) { return j.is_object(); }))
      return std::make_unique<JsonRowsReader>(
          rows_from_array(doc.begin().value(), name, " of \"" + doc.begin().key() + "\""));
    // Columnar form: {"a": [...], "b": [...]} with equal lengths.
    bool columnar = !doc.empty();
    size_t n = 0;
    for (auto& [k, v] : doc.items()) {
      if (!v.is_array() || (n && v.size() != n)) { columnar = false; break; }
      n = v.size();
    }
    if (columnar) {
      std::vector<Json> rows(n, Json::object());
      for (auto& [k, v] : doc.items())
        for (size_t i = 0; i < n; ++i) rows[i][k] = std::move(v[i]);
      return std::make_unique<JsonRowsReader>(std::move(rows));
    }
  }
  throw Error(name + ": expected a JSON array of row objects, an object holding one such array, or an "
                     "object of equally long column arrays; found " + std::string(kind_name(doc)));
}

// ---------------------------------------------------------------- CSV
class CsvReader : public RowReader {
 public:
  CsvReader(std::unique_ptr<std::istream> in, std::string name) : in_(std::move(in)), name_(std::move(name)) {
    std::vector<std::string> header;
    size_t line = 0;
    if (!read_record(header, line)) throw Error(name_ + ": the CSV file is empty; it needs a header row");
    if (!header.empty()) strip_bom(header[0]);
    // Duplicate names get ".1", ".2"... as pandas.read_csv does, so no column is lost.
    std::unordered_map<std::string, int> count;
    std::unordered_set<std::string> used(header.begin(), header.end());
    for (std::string h : header) {
      if (count[h]++ > 0) {
        std::string base = h;
        int k = count[base] - 1;
        do { h = base + "." + std::to_string(k++); } while (used.count(h));
        used.insert(h);
      }
      names_.push_back(h);
    }
  }
  bool next(Json& row) override {
    size_t line = 0;
    if (!read_record(fields_, line)) return false;
    if (fields_.size() > names_.size())
      throw Error(name_ + ":" + std::to_string(line) + ": row has " + std::to_string(fields_.size()) +
                  " fields but the header has " + std::to_string(names_.size()) +
                  " (unquoted comma? quote fields that contain commas)");
    row = Json::object();
    for (size_t i = 0; i < names_.size(); ++i)
      row[names_[i]] = i < fields_.size() ? Json(std::move(fields_[i])) : Json(nullptr);
    return true;
  }
  const std::vector<std::string>& column_names() const override { return names_; }

 private:
  int get() {
    if (pos_ == len_) {
      in_->read(buf_, sizeof buf_);
      len_ = static_cast<size_t>(in_->gcount());
      pos_ = 0;
      if (len_ == 0) {
        if (in_->bad()) throw Error("cannot read " + name_ + ": I/O error near line " + std::to_string(line_));
        return -1;
      }
    }
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  int peek() {
    int c = get();
    if (c >= 0) --pos_;
    return c;
  }

  bool read_record(std::vector<std::string>& fields, size_t& start_line) {
    fields.clear();
    int c;
    // Blank lines between records are skipped, as pandas does.
    for (;;) {
      c = peek();
      if (c < 0) return false;
      if (c == '\n') { get(); ++line_; continue; }
      if (c == '\r') { get(); if (peek() == '\n') get(); ++line_; continue; }
      break;
    }
    start_line = line_ + 1;
    std::string field;
    bool in_quotes = false, was_quoted = false;
    for (;;) {
      c = get();
      if (c < 0) {
        if (in_quotes)
          throw Error(name_ + ":" + std::to_string(start_line) +
                      ": a quoted field is never closed (missing '\"' before the end of the file)");
        fields.push_back(std::move(field));
        ++line_;
        return true;
      }
      if (in_quotes) {
        if (c == '"') {
          if (peek() == '"') { get(); field.push_back('"'); }
          else in_quotes = false;
        } else {
          if (c == '\n') ++line_;
          field.push_back(static_cast<char>(c));
        }
        continue;
      }
      if (c == '"' && field.empty() && !was_quoted) {
        in_quotes = was_quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '\r' || c == '\n') {
        if (c == '\r' && peek() == '\n') get();
        ++line_;
        fields.push_back(std::move(field));
        return true;
      } else {
        field.push_back(static_cast<char>(c));  // lenient, like pandas: stray quotes are literal
      }
    }
  }

  std::unique_ptr<std::istream> in_;
  std::string name_;
  std::vector<std::string> names_;
  std::vector<std::string> fields_;
  char buf_[65536];
  size_t pos_ = 0, len_ = 0;
  size_t line_ = 0;  // lines fully consumed
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::unique_ptr<RowReader> open_jsonl(const std::filesystem::path& file) {
  std::string lower = file.filename().string();
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (ends_with(lower, ".gz"))
    return std::make_unique<JsonlReader>(std::make_unique<std::istringstream>(gunzip_file(file)), file.string());
  return std::make_unique<JsonlReader>(open_stream(file, "JSON Lines"), file.string());
}

std::unique_ptr<RowReader> open_json(const std::filesystem::path& file) {
  std::string lower = file.filename().string();
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (ends_with(lower, ".gz")) return json_from_text(gunzip_file(file), file.string());
  auto in = open_stream(file, "JSON");
  return json_from_text(read_whole(*in), file.string());
}

std::unique_ptr<RowReader> open_csv(const std::filesystem::path& file) {
  return std::make_unique<CsvReader>(open_stream(file, "CSV"), file.string());
}

std::unique_ptr<RowReader> open_jsonl_text(std::string text, const std::string& name) {
  return std::make_unique<JsonlReader>(std::make_unique<std::istringstream>(std::move(text)), name);
}
std::unique_ptr<RowReader> open_json_text(std::string text, const std::string& name) {
  return json_from_text(std::move(text), name);
}
std::unique_ptr<RowReader> open_csv_text(std::string text, const std::string& name) {
  return std::make_unique<CsvReader>(std::make_unique<std::istringstream>(std::move(text)), name);
}

std::unique_ptr<RowReader> open_rows(const std::filesystem::path& file) {
  std::string lower = file.filename().string();
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (ends_with(lower, ".parquet")) return open_parquet(file);
  if (ends_with(lower, ".jsonl") || ends_with(lower, ".ndjson") || ends_with(lower, ".jsonl.gz")) return open_jsonl(file);
  if (ends_with(lower, ".json") || ends_with(lower, ".json.gz")) return open_json(file);
  if (ends_with(lower, ".csv")) return open_csv(file);
  throw Error("cannot read " + file.string() +
              ": unsupported data file type; use .parquet, .jsonl, .json or .csv (or .jsonl.gz / .json.gz)");
}

std::vector<Json> read_all_rows(const std::filesystem::path& file) {
  auto reader = open_rows(file);
  std::vector<Json> rows;
  Json row;
  while (reader->next(row)) rows.push_back(std::move(row));
  return rows;
}

}  // namespace lighteval::formats
