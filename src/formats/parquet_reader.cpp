// Parquet row reading: footer -> schema tree -> one row group at a time -> record assembly
// (Dremel) into JSON rows.
#include "formats/parquet_reader.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "formats/parquet_column.h"
#include "formats/parquet_decode.h"
#include "formats/parquet_meta.h"
#include "formats/parquet_schema.h"
#include "formats/rows.h"
#include "formats/thrift.h"
#include "util/error.h"

namespace lighteval::formats {

namespace pq = parquet;

namespace {

// 2^31 slots is also the limit of the per-entry value index.
constexpr int64_t kMaxEntriesPerChunk = (int64_t{1} << 31) - 1;

class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  virtual std::string read(uint64_t offset, uint64_t length) = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(const std::filesystem::path& path) : in_(path, std::ios::binary) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw Error("cannot read parquet file " + path.string() + ": no such file");
    if (!in_) throw Error("cannot open parquet file " + path.string() + ": permission denied or unreadable");
    size_ = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read parquet file " + path.string() + ": " + ec.message());
  }
  uint64_t size() const override { return size_; }
  std::string read(uint64_t offset, uint64_t length) override {
    std::string buf(length, '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(buf.data(), static_cast<std::streamsize>(length));
    if (static_cast<uint64_t>(in_.gcount()) != length) throw pq::DecodeError("the file could not be read (I/O error or file changed)");
    return buf;
  }

 private:
  std::ifstream in_;
  uint64_t size_ = 0;
};

class MemorySource : public Source {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  std::string read(uint64_t offset, uint64_t length) override { return bytes_.substr(offset, length); }

 private:
  std::string bytes_;
};

uint32_t le32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) | (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 16) | (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3])) << 24);
}

pq::FileMetaData read_footer(Source& src) {
  uint64_t n = src.size();
  if (n < 12) throw pq::DecodeError("the file is too small to be parquet (" + std::to_string(n) + " bytes)");
  std::string head = src.read(0, 4);
  std::string tail = src.read(n - 8, 8);
  if (tail.compare(4, 4, "PARE") == 0) throw pq::DecodeError("the file is encrypted parquet, which is not supported");
  if (head != "PAR1" || tail.compare(4, 4, "PAR1") != 0)
    throw pq::DecodeError("not a parquet file (the PAR1 magic bytes are missing; truncated download?)");
  uint32_t len = le32(tail, 0);
  if (len == 0 || len > n - 12) throw pq::DecodeError("the footer length is invalid (truncated file?)");
  std::string footer = src.read(n - 8 - len, len);
  return pq::decode_file_metadata(reinterpret_cast<const uint8_t*>(footer.data()), footer.size());
}

bool is_list(const pq::Node& n) {
  return n.element->converted_type == pq::converted::list || n.element->logical.kind == pq::LogicalType::list;
}
bool is_map(const pq::Node& n) {
  int ct = n.element->converted_type.value_or(-1);
  return ct == pq::converted::map || ct == pq::converted::map_key_value || n.element->logical.kind == pq::LogicalType::map;
}

using Slices = std::vector<std::pair<size_t, size_t>>;  // per leaf: [begin, end) entries

class ParquetRowReader : public RowReader {
 public:
  ParquetRowReader(std::unique_ptr<Source> src, std::string name, ParquetReadLimits limits = {})
      : src_(std::move(src)), name_(std::move(name)),
        max_slots_(std::clamp<int64_t>(limits.max_slots_per_column_chunk, 0, kMaxEntriesPerChunk)) {
    guarded("reading the footer", [&] {
      meta_ = read_footer(*src_);
      schema_ = pq::build_schema(meta_.schema);
    });
    for (int child : schema_.nodes[0].children) names_.push_back(schema_.nodes[child].name);
    for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
      const auto& rg = meta_.row_groups[g];
      if (rg.columns.size() != schema_.leaves.size())
        fail("row group " + std::to_string(g) + " has " + std::to_string(rg.columns.size()) +
             " column chunks but the schema has " + std::to_string(schema_.leaves.size()) + " columns");
      if (rg.num_rows < 0) fail("row group " + std::to_string(g) + " has a negative row count");
      for (const auto& c : rg.columns) {
        if (c.has_file_path) fail("column data in external files is not supported");
        if (!c.has_meta_data) fail("a column chunk has no metadata (encrypted column?)");
      }
    }
    leaves_.resize(schema_.leaves.size());
    for (size_t i = 0; i < schema_.leaves.size(); ++i) {
      const pq::Node& n = schema_.nodes[schema_.leaves[i]];
      leaves_[i] = pq::LeafInfo{n.element, n.def_level, n.rep_level};
    }
  }

  const std::vector<std::string>& column_names() const override { return names_; }
  const pq::FileMetaData& meta() const { return meta_; }

  bool next(Json& row) override {
    while (row_ >= group_rows_) {
      if (next_group_ >= meta_.row_groups.size()) return false;
      load_group(next_group_++);
    }
    Slices slices(columns_.size());
    for (size_t l = 0; l < columns_.size(); ++l)
      slices[l] = {columns_[l].row_starts[row_], columns_[l].row_starts[row_ + 1]};
    row = Json::object();
    guarded("assembling row " + std::to_string(row_) + " of row group " + std::to_string(next_group_ - 1), [&] {
      for (int child : schema_.nodes[0].children)
        row[schema_.nodes[child].name] = build_field(child, slices);
    });
    ++row_;
    return true;
  }

 private:
  template <typename F>
  void guarded(const std::string& where, F&& f) {
    try {
      f();
    } catch (const pq::DecodeError& e) {
      fail(where + ": " + e.what());
    } catch (const thrift::ThriftError& e) {
      fail(where + ": " + e.what());
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("cannot read parquet file " + name_ + ": " + what + " (the file is corrupt or not parquet)");
  }

  void load_group(size_t g) {
    const pq::RowGroup& rg = meta_.row_groups[g];
    columns_.clear();
    group_rows_ = 0;
    row_ = 0;
    if (rg.num_rows == 0) return;  // writers leave empty row groups' chunks without pages
    columns_.reserve(rg.columns.size());
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const pq::ColumnMetaData& m = rg.columns[c].meta;
      guarded("row group " + std::to_string(g) + ", column '" + schema_.leaf_paths[c] + "'", [&] {
        if (m.type != *leaves_[c].element->type) throw pq::DecodeError("column chunk type differs from the schema");
        int64_t start = m.data_page_offset;
        if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 && *m.dictionary_page_offset < start)
          start = *m.dictionary_page_offset;
        if (start < 4 || m.total_compressed_size < 0 || static_cast<uint64_t>(start) > src_->size() ||
            static_cast<uint64_t>(m.total_compressed_size) > src_->size() - static_cast<uint64_t>(start))
          throw pq::DecodeError("column chunk lies outside the file (truncated file?)");
        // Flat columns have exactly one slot per row, so the row count bounds them tightly.
        int64_t max_entries = leaves_[c].max_rep == 0 ? std::min(rg.num_rows, max_slots_) : max_slots_;
        std::string bytes = src_->read(static_cast<uint64_t>(start), static_cast<uint64_t>(m.total_compressed_size));
        columns_.push_back(pq::read_column_chunk(bytes, m, leaves_[c], max_entries));
        size_t rows = columns_.back().row_starts.size() - 1;
        if (static_cast<int64_t>(rows) != rg.num_rows)
          throw pq::DecodeError("holds " + std::to_string(rows) + " rows but its row group has " + std::to_string(rg.num_rows));
      });
    }
    group_rows_ = static_cast<size_t>(rg.num_rows);
    row_ = 0;
  }

  // A field whose parent is present: a bare repeated field becomes an array of its instances.
  Json build_field(int node, const Slices& s) {
    const pq::Node& n = schema_.nodes[node];
    if (n.repeated()) {
      Json arr = Json::array();
      for (const Slices& el : split(node, s)) arr.push_back(build_instance(node, el));
      return arr;
    }
    return build_instance(node, s);
  }

  // One occurrence of a node: null when the levels stop above it, else its value.
  Json build_instance(int node, const Slices& s) {
    const pq::Node& n = schema_.nodes[node];
    const pq::ColumnData& first = columns_[n.leaf_begin];
    if (first.def[s[n.leaf_begin].first] < n.def_level) return nullptr;
    if (n.is_leaf()) {
      int32_t vi = columns_[n.leaf_index].value_index[s[n.leaf_index].first];
      if (vi < 0) return nullptr;
      return std::move(columns_[n.leaf_index].values[vi]);
    }
    if (is_list(n) && n.children.size() == 1 && schema_.nodes[n.children[0]].repeated()) {
      int rep = n.children[0];
      int elem = list_element(node, rep);
      Json arr = Json::array();
      for (const Slices& el : split(rep, s)) arr.push_back(elem == rep ? build_instance(rep, el) : build_field(elem, el));
      return arr;
    }
    if (is_map(n) && n.children.size() == 1 && schema_.nodes[n.children[0]].repeated() &&
        !schema_.nodes[n.children[0]].is_leaf()) {
      int kv = n.children[0];
      const auto& kids = schema_.nodes[kv].children;
      Json arr = Json::array();
      for (const Slices& el : split(kv, s)) {
        Json pair = Json::array();
        pair.push_back(build_field(kids[0], el));
        pair.push_back(kids.size() > 1 ? build_field(kids[1], el) : Json(nullptr));
        arr.push_back(std::move(pair));
      }
      return arr;
    }
    Json obj = Json::object();
    for (int child : n.children) obj[schema_.nodes[child].name] = build_field(child, s);
    return obj;
  }

  // LogicalTypes.md backward-compatibility rules: which node is a list's element.
  int list_element(int list_node, int rep) const {
    const pq::Node& r = schema_.nodes[rep];
    if (r.is_leaf() || r.children.size() > 1) return rep;
    const std::string& name = r.name;
    if (name == "array" || name == schema_.nodes[list_node].name + "_tuple") return rep;
    return r.children[0];
  }

  // Splits the entries of one occurrence of a repeated node's parent into its elements (none when
  // the levels say the list is empty).
  std::vector<Slices> split(int node, const Slices& s) {
    const pq::Node& n = schema_.nodes[node];
    std::vector<Slices> out;
    if (columns_[n.leaf_begin].def[s[n.leaf_begin].first] < n.def_level) return out;
    for (int l = n.leaf_begin; l < n.leaf_end; ++l) {
      const auto& rep = columns_[l].rep;
      auto [b, e] = s[l];
      size_t k = 0;
      size_t start = b;
      for (size_t j = b + 1; j <= e; ++j) {
        if (j == e || rep[j] <= n.rep_level) {
          if (l == n.leaf_begin) out.emplace_back(s);
          else if (k >= out.size()) throw pq::DecodeError("columns of one group disagree on list lengths");
          out[k++][l] = {start, j};
          start = j;
        }
      }
      if (k != out.size()) throw pq::DecodeError("columns of one group disagree on list lengths");
    }
    return out;
  }

  std::unique_ptr<Source> src_;
  std::string name_;
  int64_t max_slots_;
  pq::FileMetaData meta_;
  pq::Schema schema_;
  std::vector<pq::LeafInfo> leaves_;
  std::vector<std::string> names_;
  std::vector<pq::ColumnData> columns_;
  size_t next_group_ = 0;
  size_t group_rows_ = 0;
  size_t row_ = 0;
};

}  // namespace

std::unique_ptr<RowReader> open_parquet(const std::filesystem::path& file) {
  return std::make_unique<ParquetRowReader>(std::make_unique<FileSource>(file), file.string());
}

std::unique_ptr<RowReader> open_parquet_bytes(std::string bytes, const std::string& name) {
  return std::make_unique<ParquetRowReader>(std::make_unique<MemorySource>(std::move(bytes)), name);
}

std::unique_ptr<RowReader> open_parquet_bytes(std::string bytes, const std::string& name,
                                              const ParquetReadLimits& limits) {
  return std::make_unique<ParquetRowReader>(std::make_unique<MemorySource>(std::move(bytes)), name, limits);
}

ParquetInfo parquet_info(const std::filesystem::path& file) {
  ParquetRowReader reader(std::make_unique<FileSource>(file), file.string());
  ParquetInfo info;
  info.num_rows = reader.meta().num_rows;
  info.num_row_groups = static_cast<int64_t>(reader.meta().row_groups.size());
  info.created_by = reader.meta().created_by;
  for (const auto& [k, v] : reader.meta().key_value_metadata)
    info.key_value_metadata[pq::sanitize_utf8(k)] = pq::sanitize_utf8(v);
  return info;
}

Json parquet_key_value_metadata(const std::filesystem::path& file) {
  Json out = Json::object();
  ParquetInfo info = parquet_info(file);
  for (auto& [k, v] : info.key_value_metadata.items()) {
    const std::string& s = v.get_ref<const std::string&>();
    Json parsed = Json::parse(s, nullptr, /*allow_exceptions=*/false);
    out[k] = (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array())) ? parsed : v;
  }
  return out;
}

}  // namespace lighteval::formats
