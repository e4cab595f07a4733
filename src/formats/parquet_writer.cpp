#include "formats/parquet_writer.h"

#include <snappy-c.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <set>

#include "formats/thrift.h"
#include "util/error.h"
#include "util/version.h"

namespace lighteval::formats {

namespace {

using thrift::Type;
using Kind = ParquetColumn::Type;

constexpr size_t kPageBytes = 1 << 20;  // start a new page after about this many value bytes

int32_t physical_type(Kind k) {
  switch (k) {
    case Kind::string: return 6;   // BYTE_ARRAY
    case Kind::int64: return 2;    // INT64
    case Kind::float64: return 5;  // DOUBLE
    case Kind::boolean: return 0;  // BOOLEAN
  }
  return 6;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::string: return "a string";
    case Kind::int64: return "an integer";
    case Kind::float64: return "a number";
    case Kind::boolean: return "a boolean";
  }
  return "?";
}

void put_le(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }

void put_uleb(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Definition levels (bit width 1) as RLE runs, with the v1 page's u32 length prefix.
std::string encode_def_levels(const std::vector<uint8_t>& defs) {
  std::string runs;
  for (size_t i = 0; i < defs.size();) {
    size_t j = i;
    while (j < defs.size() && defs[j] == defs[i]) ++j;
    put_uleb(runs, static_cast<uint64_t>(j - i) << 1);
    runs.push_back(static_cast<char>(defs[i]));
    i = j;
  }
  std::string out;
  uint32_t len = static_cast<uint32_t>(runs.size());
  put_le(out, &len, 4);
  return out + runs;
}

std::string snappy(const std::string& raw) {
  size_t cap = snappy_max_compressed_length(raw.size());
  std::string out(cap, '\0');
  if (snappy_compress(raw.data(), raw.size(), out.data(), &cap) != SNAPPY_OK)
    throw Error("parquet writer: snappy compression failed");
  out.resize(cap);
  return out;
}

struct ChunkResult {
  std::string bytes;  // page headers and pages
  int64_t uncompressed = 0;
};

// Appends one data page holding rows [begin, end) of the column.
void write_page(const ParquetColumn& c, size_t begin, size_t end, ChunkResult& chunk) {
  std::vector<uint8_t> defs;
  std::string values;
  uint8_t bits = 0;
  int nbits = 0;
  for (size_t i = begin; i < end; ++i) {
    const Json& v = c.values[i];
    defs.push_back(v.is_null() ? 0 : 1);
    if (v.is_null()) continue;
    switch (c.type) {
      case Kind::string: {
        const std::string& s = v.get_ref<const std::string&>();
        if (s.size() > 0x7fffffffu) throw Error("parquet writer: a string in column '" + c.name + "' is over 2 GiB");
        uint32_t len = static_cast<uint32_t>(s.size());
        put_le(values, &len, 4);
        values += s;
        break;
      }
      case Kind::int64: {
        int64_t x = v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
        put_le(values, &x, 8);
        break;
      }
      case Kind::float64: {
        double d = v.get<double>();
        put_le(values, &d, 8);
        break;
      }
      case Kind::boolean:
        if (v.get<bool>()) bits |= static_cast<uint8_t>(1u << nbits);
        if (++nbits == 8) {
          values.push_back(static_cast<char>(bits));
          bits = 0;
          nbits = 0;
        }
        break;
    }
  }
  if (nbits) values.push_back(static_cast<char>(bits));
  std::string raw = encode_def_levels(defs) + values;
  std::string compressed = snappy(raw);
  if (raw.size() > 0x7fffffffu || compressed.size() > 0x7fffffffu)
    throw Error("parquet writer: a page of column '" + c.name + "' is over 2 GiB");
  thrift::Writer h;
  h.struct_begin();
  h.field_i32(1, 0);  // DATA_PAGE
  h.field_i32(2, static_cast<int32_t>(raw.size()));
  h.field_i32(3, static_cast<int32_t>(compressed.size()));
  h.field(5, Type::strct);
  h.struct_begin();
  h.field_i32(1, static_cast<int32_t>(end - begin));
  h.field_i32(2, 0);  // PLAIN
  h.field_i32(3, 3);  // RLE definition levels
  h.field_i32(4, 3);  // RLE repetition levels (none stored)
  h.struct_end();
  h.struct_end();
  chunk.bytes += h.bytes();
  chunk.bytes += compressed;
  chunk.uncompressed += static_cast<int64_t>(h.bytes().size() + raw.size());
}

ChunkResult write_chunk(const ParquetColumn& c) {
  ChunkResult chunk;
  size_t begin = 0, bytes = 0;
  for (size_t i = 0; i < c.values.size(); ++i) {
    const Json& v = c.values[i];
    bytes += v.is_string() ? v.get_ref<const std::string&>().size() + 4 : 8;
    if (bytes >= kPageBytes) {
      write_page(c, begin, i + 1, chunk);
      begin = i + 1;
      bytes = 0;
    }
  }
  if (begin < c.values.size() || c.values.empty()) write_page(c, begin, c.values.size(), chunk);
  return chunk;
}

void validate(const std::vector<ParquetColumn>& columns) {
  if (columns.empty()) throw Error("parquet writer: a table needs at least one column");
  std::set<std::string> names;
  for (const auto& c : columns) {
    if (c.name.empty()) throw Error("parquet writer: a column has an empty name");
    if (!names.insert(c.name).second) throw Error("parquet writer: column name '" + c.name + "' appears twice");
    if (c.values.size() != columns[0].values.size())
      throw Error("parquet writer: column '" + c.name + "' has " + std::to_string(c.values.size()) +
                  " values but column '" + columns[0].name + "' has " + std::to_string(columns[0].values.size()));
    for (size_t i = 0; i < c.values.size(); ++i) {
      const Json& v = c.values[i];
      bool ok = v.is_null() || (c.type == Kind::string && v.is_string()) ||
                (c.type == Kind::int64 && (v.is_number_integer() &&
                                           (!v.is_number_unsigned() || v.get<uint64_t>() <= INT64_MAX))) ||
                (c.type == Kind::float64 && v.is_number()) || (c.type == Kind::boolean && v.is_boolean());
      if (!ok)
        throw Error("parquet writer: column '" + c.name + "' row " + std::to_string(i) + " holds " + v.dump() +
                    ", but the column is " + kind_name(c.type) + " column");
    }
  }
}

}  // namespace

void write_parquet(const std::filesystem::path& file, const std::vector<ParquetColumn>& columns,
                   const Json& key_value_metadata) {
  validate(columns);
  if (!key_value_metadata.is_object()) throw Error("parquet writer: key/value metadata must be a JSON object");
  const int64_t num_rows = static_cast<int64_t>(columns[0].values.size());

  std::string body = "PAR1";
  struct Placed {
    int64_t offset, compressed, uncompressed;
  };
  std::vector<Placed> placed;
  for (const auto& c : columns) {
    ChunkResult chunk = write_chunk(c);
    placed.push_back({static_cast<int64_t>(body.size()), static_cast<int64_t>(chunk.bytes.size()), chunk.uncompressed});
    body += chunk.bytes;
  }

  thrift::Writer m;
  m.struct_begin();
  m.field_i32(1, 2);  // format version
  m.field(2, Type::list);
  m.list_begin(Type::strct, static_cast<uint32_t>(columns.size() + 1));
  m.struct_begin();  // root
  m.field_binary(4, "schema");
  m.field_i32(5, static_cast<int32_t>(columns.size()));
  m.struct_end();
  for (const auto& c : columns) {
    m.struct_begin();
    m.field_i32(1, physical_type(c.type));
    m.field_i32(3, 1);  // OPTIONAL
    m.field_binary(4, c.name);
    if (c.type == Kind::string) {
      m.field_i32(6, 0);  // converted type UTF8
      m.field(10, Type::strct);  // logical type STRING
      m.struct_begin();
      m.field(1, Type::strct);
      m.struct_begin();
      m.struct_end();
      m.struct_end();
    }
    m.struct_end();
  }
  m.field_i64(3, num_rows);
  m.field(4, Type::list);
  m.list_begin(Type::strct, 1);
  m.struct_begin();  // RowGroup
  m.field(1, Type::list);
  m.list_begin(Type::strct, static_cast<uint32_t>(columns.size()));
  int64_t total = 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    const Placed& p = placed[i];
    total += p.uncompressed;
    m.struct_begin();  // ColumnChunk
    m.field_i64(2, p.offset);
    m.field(3, Type::strct);
    m.struct_begin();  // ColumnMetaData
    m.field_i32(1, physical_type(columns[i].type));
    m.field(2, Type::list);
    m.list_begin(Type::i32, 2);
    m.write_i32(0);  // PLAIN
    m.write_i32(3);  // RLE
    m.field(3, Type::list);
    m.list_begin(Type::binary, 1);
    m.write_binary(columns[i].name);
    m.field_i32(4, 1);  // SNAPPY
    m.field_i64(5, num_rows);
    m.field_i64(6, p.uncompressed);
    m.field_i64(7, p.compressed);
    m.field_i64(9, p.offset);
    m.struct_end();
    m.struct_end();
  }
  m.field_i64(2, total);
  m.field_i64(3, num_rows);
  m.struct_end();
  if (!key_value_metadata.empty()) {
    m.field(5, Type::list);
    m.list_begin(Type::strct, static_cast<uint32_t>(key_value_metadata.size()));
    for (auto& [k, v] : key_value_metadata.items()) {
      m.struct_begin();
      m.field_binary(1, k);
      m.field_binary(2, v.is_string() ? v.get_ref<const std::string&>() : v.dump());
      m.struct_end();
    }
  }
  m.field_binary(6, std::string("lighteval-cpp version ") + kVersion);
  m.struct_end();

  const std::string& footer = m.bytes();
  body += footer;
  uint32_t flen = static_cast<uint32_t>(footer.size());
  put_le(body, &flen, 4);
  body += "PAR1";

  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::filesystem::path tmp = file;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + file.string() + ": the directory is missing or not writable");
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      throw Error("cannot write " + file.string() + ": write failed (disk full?)");
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write " + file.string() + ": " + ec.message());
  }
}

}  // namespace lighteval::formats
