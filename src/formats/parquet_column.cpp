#include "formats/parquet_column.h"

#include <cstring>

#include "formats/parquet_decode.h"

namespace lighteval::formats::parquet {

namespace {

const char* encoding_name(int e) {
  switch (e) {
    case 0: return "PLAIN";
    case 2: return "PLAIN_DICTIONARY";
    case 3: return "RLE";
    case 4: return "BIT_PACKED";
    case 5: return "DELTA_BINARY_PACKED";
    case 6: return "DELTA_LENGTH_BYTE_ARRAY";
    case 7: return "DELTA_BYTE_ARRAY";
    case 8: return "RLE_DICTIONARY";
    case 9: return "BYTE_STREAM_SPLIT";
    default: return "an unknown encoding";
  }
}

[[noreturn]] void unsupported(int encoding, PhysicalType t) {
  throw DecodeError(std::string("encoding ") + encoding_name(encoding) + " (" + std::to_string(encoding) +
                    ") is not supported for physical type " + std::to_string(static_cast<int>(t)));
}

template <typename T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // parquet is little-endian, as are the machines we build for
  return v;
}

struct ValueSink {
  const ValueConverter& conv;
  PhysicalType type;
  int32_t type_length;
  std::vector<Json>& out;
};

void need(size_t have, uint64_t want, const char* what) {
  if (want > have) throw DecodeError(std::string(what) + " values run past the end of their page");
}

// PLAIN values; returns bytes consumed.
size_t decode_plain(const uint8_t* p, size_t n, size_t count, ValueSink& s) {
  switch (s.type) {
    case PhysicalType::boolean:
      need(n, (static_cast<uint64_t>(count) + 7) / 8, "BOOLEAN");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_bool((p[i >> 3] >> (i & 7)) & 1));
      return (count + 7) / 8;
    case PhysicalType::int32:
      need(n, uint64_t{4} * count, "INT32");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_int32(load_le<int32_t>(p + 4 * i)));
      return 4 * count;
    case PhysicalType::int64:
      need(n, uint64_t{8} * count, "INT64");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_int64(load_le<int64_t>(p + 8 * i)));
      return 8 * count;
    case PhysicalType::int96:
      need(n, uint64_t{12} * count, "INT96");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_int96(p + 12 * i));
      return 12 * count;
    case PhysicalType::float32:
      need(n, uint64_t{4} * count, "FLOAT");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_float(load_le<float>(p + 4 * i)));
      return 4 * count;
    case PhysicalType::float64:
      need(n, uint64_t{8} * count, "DOUBLE");
      for (size_t i = 0; i < count; ++i) s.out.push_back(s.conv.from_double(load_le<double>(p + 8 * i)));
      return 8 * count;
    case PhysicalType::byte_array: {
      size_t pos = 0;
      for (size_t i = 0; i < count; ++i) {
        need(n - pos, 4, "BYTE_ARRAY");
        uint32_t len = load_le<uint32_t>(p + pos);
        pos += 4;
        need(n - pos, len, "BYTE_ARRAY");
        s.out.push_back(s.conv.from_bytes(std::string_view(reinterpret_cast<const char*>(p + pos), len)));
        pos += len;
      }
      return pos;
    }
    case PhysicalType::fixed_len_byte_array: {
      uint64_t len = static_cast<uint64_t>(s.type_length);
      need(n, len * count, "FIXED_LEN_BYTE_ARRAY");
      for (size_t i = 0; i < count; ++i)
        s.out.push_back(s.conv.from_bytes(std::string_view(reinterpret_cast<const char*>(p + len * i), len)));
      return len * count;
    }
  }
  throw DecodeError("unknown physical type");
}

void decode_delta_length(const uint8_t* p, size_t n, size_t count, ValueSink& s) {
  std::vector<int64_t> lengths;
  size_t pos = decode_delta_binary_packed(p, n, count, lengths);
  if (lengths.size() != count) throw DecodeError("DELTA_LENGTH_BYTE_ARRAY holds fewer lengths than values");
  for (int64_t len : lengths) {
    if (len < 0) throw DecodeError("DELTA_LENGTH_BYTE_ARRAY has a negative length");
    need(n - pos, static_cast<uint64_t>(len), "DELTA_LENGTH_BYTE_ARRAY");
    s.out.push_back(s.conv.from_bytes(std::string_view(reinterpret_cast<const char*>(p + pos), len)));
    pos += static_cast<size_t>(len);
  }
}

void decode_delta_byte_array(const uint8_t* p, size_t n, size_t count, ValueSink& s) {
  std::vector<int64_t> prefixes, lengths;
  size_t pos = decode_delta_binary_packed(p, n, count, prefixes);
  pos += decode_delta_binary_packed(p + pos, n - pos, count, lengths);
  if (prefixes.size() != count || lengths.size() != count)
    throw DecodeError("DELTA_BYTE_ARRAY holds fewer lengths than values");
  std::string prev, cur;
  for (size_t i = 0; i < count; ++i) {
    if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev.size())
      throw DecodeError("DELTA_BYTE_ARRAY prefix is longer than the previous value");
    if (lengths[i] < 0) throw DecodeError("DELTA_BYTE_ARRAY has a negative suffix length");
    need(n - pos, static_cast<uint64_t>(lengths[i]), "DELTA_BYTE_ARRAY");
    cur.assign(prev, 0, static_cast<size_t>(prefixes[i]));
    cur.append(reinterpret_cast<const char*>(p + pos), static_cast<size_t>(lengths[i]));
    pos += static_cast<size_t>(lengths[i]);
    if (s.type == PhysicalType::fixed_len_byte_array && cur.size() != static_cast<size_t>(s.type_length))
      throw DecodeError("DELTA_BYTE_ARRAY value has the wrong length for its FIXED_LEN_BYTE_ARRAY column");
    s.out.push_back(s.conv.from_bytes(cur));
    std::swap(prev, cur);
  }
}

void decode_byte_stream_split(const uint8_t* p, size_t n, size_t count, ValueSink& s) {
  size_t width = 0;
  switch (s.type) {
    case PhysicalType::int32: case PhysicalType::float32: width = 4; break;
    case PhysicalType::int64: case PhysicalType::float64: width = 8; break;
    case PhysicalType::fixed_len_byte_array: width = static_cast<size_t>(s.type_length); break;
    default: unsupported(9, s.type);
  }
  if (width == 0) throw DecodeError("BYTE_STREAM_SPLIT on a zero-width column");
  size_t stride = n / width;
  if (stride < count) throw DecodeError("BYTE_STREAM_SPLIT values run past the end of their page");
  std::string buf(width, '\0');
  for (size_t i = 0; i < count; ++i) {
    for (size_t b = 0; b < width; ++b) buf[b] = static_cast<char>(p[b * stride + i]);
    ValueSink one{s.conv, s.type, s.type_length, s.out};
    decode_plain(reinterpret_cast<const uint8_t*>(buf.data()), width, 1, one);
  }
}

void decode_values(int encoding, const uint8_t* p, size_t n, size_t count, ValueSink& s,
                   const std::vector<Json>* dict) {
  if (count == 0) return;
  switch (encoding) {
    case 0:
      decode_plain(p, n, count, s);
      return;
    case 2:
    case 8: {
      if (!dict) throw DecodeError("a dictionary-encoded page comes without a dictionary page");
      if (n < 1) throw DecodeError("dictionary-encoded page is empty");
      int width = p[0];
      std::vector<uint32_t> idx;
      decode_hybrid(p + 1, n - 1, width, count, idx);
      for (uint32_t i : idx) {
        if (i >= dict->size()) throw DecodeError("dictionary index " + std::to_string(i) + " is out of range");
        s.out.push_back((*dict)[i]);
      }
      return;
    }
    case 3: {
      if (s.type != PhysicalType::boolean) unsupported(encoding, s.type);
      need(n, 4, "RLE");
      uint32_t len = load_le<uint32_t>(p);
      need(n - 4, len, "RLE");
      std::vector<uint32_t> bits;
      decode_hybrid(p + 4, len, 1, count, bits);
      for (uint32_t b : bits) s.out.push_back(s.conv.from_bool(b != 0));
      return;
    }
    case 5: {
      if (s.type != PhysicalType::int32 && s.type != PhysicalType::int64) unsupported(encoding, s.type);
      std::vector<int64_t> v;
      decode_delta_binary_packed(p, n, count, v);
      if (v.size() != count) throw DecodeError("DELTA_BINARY_PACKED holds fewer values than its page");
      for (int64_t x : v)
        s.out.push_back(s.type == PhysicalType::int32 ? s.conv.from_int32(static_cast<int32_t>(x)) : s.conv.from_int64(x));
      return;
    }
    case 6:
      if (s.type != PhysicalType::byte_array) unsupported(encoding, s.type);
      decode_delta_length(p, n, count, s);
      return;
    case 7:
      if (s.type != PhysicalType::byte_array && s.type != PhysicalType::fixed_len_byte_array) unsupported(encoding, s.type);
      decode_delta_byte_array(p, n, count, s);
      return;
    case 9:
      decode_byte_stream_split(p, n, count, s);
      return;
    default:
      unsupported(encoding, s.type);
  }
}

// Levels of a v1 page: RLE with a u32 length prefix, or the old BIT_PACKED. Returns bytes consumed.
size_t decode_levels_v1(int encoding, const uint8_t* p, size_t n, int max_level, size_t count,
                        std::vector<uint32_t>& out) {
  int width = bit_width_for(static_cast<uint32_t>(max_level));
  if (encoding == 4) return decode_bit_packed_msb(p, n, width, count, out);
  if (encoding != 3) throw DecodeError(std::string("level encoding ") + encoding_name(encoding) + " is not supported");
  need(n, 4, "level");
  uint32_t len = load_le<uint32_t>(p);
  need(n - 4, len, "level");
  decode_hybrid(p + 4, len, width, count, out);
  return 4 + static_cast<size_t>(len);
}

void append_levels(const std::vector<uint32_t>& in, int max_level, std::vector<int16_t>& out, const char* what) {
  for (uint32_t v : in) {
    if (v > static_cast<uint32_t>(max_level))
      throw DecodeError(std::string(what) + " level " + std::to_string(v) + " exceeds the column's maximum " +
                        std::to_string(max_level));
    out.push_back(static_cast<int16_t>(v));
  }
}

}  // namespace

ColumnData read_column_chunk(std::string_view chunk, const ColumnMetaData& meta, const LeafInfo& leaf,
                             int64_t max_entries) {
  const SchemaElement& e = *leaf.element;
  ValueConverter conv(e);
  PhysicalType type = *e.type;
  if (type == PhysicalType::fixed_len_byte_array && e.type_length <= 0)
    throw DecodeError("FIXED_LEN_BYTE_ARRAY column has no positive type_length");
  ColumnData cd;
  ValueSink sink{conv, type, e.type_length, cd.values};
  std::vector<Json> dictionary;
  bool have_dict = false;
  if (meta.num_values < 0 || meta.num_values > max_entries)
    throw DecodeError("column chunk claims " + std::to_string(meta.num_values) + " values, more than its row group allows or the reader's limit");
  const auto* base = reinterpret_cast<const uint8_t*>(chunk.data());
  size_t pos = 0;
  int64_t entries = 0;
  std::vector<uint32_t> levels;
  while (entries < meta.num_values) {
    if (pos >= chunk.size())
      throw DecodeError("column chunk ends after " + std::to_string(entries) + " of its " +
                        std::to_string(meta.num_values) + " values");
    size_t used = 0;
    PageHeader ph = decode_page_header(base + pos, chunk.size() - pos, used);
    pos += used;
    if (ph.compressed_page_size < 0 || static_cast<size_t>(ph.compressed_page_size) > chunk.size() - pos)
      throw DecodeError("a page runs past the end of its column chunk");
    if (ph.uncompressed_page_size < 0) throw DecodeError("a page has a negative size");
    std::string_view payload(chunk.data() + pos, static_cast<size_t>(ph.compressed_page_size));
    pos += payload.size();
    if (ph.type == static_cast<int>(PageType::dictionary_page)) {
      if (!ph.has_dictionary) throw DecodeError("dictionary page without its header");
      if (ph.encoding != 0 && ph.encoding != 2) throw DecodeError("dictionary page is not PLAIN-encoded");
      if (ph.num_values < 0) throw DecodeError("dictionary page has a negative value count");
      std::string raw = decompress(meta.codec, payload, static_cast<size_t>(ph.uncompressed_page_size));
      if (type == PhysicalType::boolean) throw DecodeError("a BOOLEAN column has a dictionary page");
      // Every dictionary entry takes at least one byte (four for lengths), which bounds the count.
      if (static_cast<uint64_t>(ph.num_values) > raw.size()) throw DecodeError("dictionary page claims more values than it holds");
      dictionary.clear();
      ValueSink ds{conv, type, e.type_length, dictionary};
      decode_plain(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), static_cast<size_t>(ph.num_values), ds);
      have_dict = true;
      continue;
    }
    bool v1 = ph.type == static_cast<int>(PageType::data_page);
    bool v2 = ph.type == static_cast<int>(PageType::data_page_v2);
    if (!v1 && !v2) continue;  // index pages and future page types carry no values we need
    if ((v1 && !ph.has_data) || (v2 && !ph.has_data_v2)) throw DecodeError("data page without its header");
    if (ph.num_values < 0 || ph.num_values > max_entries - entries)
      throw DecodeError("data page claims more values than its column chunk");
    size_t count = static_cast<size_t>(ph.num_values);
    std::string raw;
    const uint8_t* vp;
    size_t vn;
    size_t rep_before = cd.rep.size(), def_before = cd.def.size();
    if (v1) {
      raw = decompress(meta.codec, payload, static_cast<size_t>(ph.uncompressed_page_size));
      const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
      size_t n = raw.size(), off = 0;
      if (leaf.max_rep > 0) {
        levels.clear();
        off += decode_levels_v1(ph.rep_level_encoding, p + off, n - off, leaf.max_rep, count, levels);
        append_levels(levels, leaf.max_rep, cd.rep, "repetition");
      }
      if (leaf.max_def > 0) {
        levels.clear();
        off += decode_levels_v1(ph.def_level_encoding, p + off, n - off, leaf.max_def, count, levels);
        append_levels(levels, leaf.max_def, cd.def, "definition");
      }
      vp = p + off;
      vn = n - off;
    } else {
      if (ph.rep_levels_byte_length < 0 || ph.def_levels_byte_length < 0 ||
          static_cast<uint64_t>(ph.rep_levels_byte_length) + static_cast<uint64_t>(ph.def_levels_byte_length) > payload.size() ||
          static_cast<int64_t>(ph.rep_levels_byte_length) + ph.def_levels_byte_length > ph.uncompressed_page_size)
        throw DecodeError("data page v2 level lengths exceed the page");
      const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
      size_t rl = static_cast<size_t>(ph.rep_levels_byte_length), dl = static_cast<size_t>(ph.def_levels_byte_length);
      if (leaf.max_rep > 0) {
        levels.clear();
        decode_hybrid(p, rl, bit_width_for(static_cast<uint32_t>(leaf.max_rep)), count, levels);
        append_levels(levels, leaf.max_rep, cd.rep, "repetition");
      }
      if (leaf.max_def > 0) {
        levels.clear();
        decode_hybrid(p + rl, dl, bit_width_for(static_cast<uint32_t>(leaf.max_def)), count, levels);
        append_levels(levels, leaf.max_def, cd.def, "definition");
      }
      std::string_view rest = payload.substr(rl + dl);
      size_t want = static_cast<size_t>(ph.uncompressed_page_size) - rl - dl;
      if (ph.is_compressed && meta.codec != 0) {
        raw = decompress(meta.codec, rest, want);
      } else {
        raw.assign(rest);
      }
      vp = reinterpret_cast<const uint8_t*>(raw.data());
      vn = raw.size();
    }
    if (leaf.max_rep == 0) cd.rep.resize(rep_before + count, 0);
    if (leaf.max_def == 0) cd.def.resize(def_before + count, 0);
    size_t non_null = 0;
    for (size_t i = def_before; i < cd.def.size(); ++i) non_null += cd.def[i] == leaf.max_def;
    size_t values_before = cd.values.size();
    decode_values(ph.encoding, vp, vn, non_null, sink, have_dict ? &dictionary : nullptr);
    if (cd.values.size() - values_before != non_null) throw DecodeError("a page holds fewer values than its levels say");
    entries += static_cast<int64_t>(count);
  }
  // Per-entry value index and row boundaries.
  cd.value_index.resize(cd.def.size());
  int32_t next_value = 0;
  for (size_t i = 0; i < cd.def.size(); ++i) {
    if (cd.rep[i] == 0) cd.row_starts.push_back(i);
    cd.value_index[i] = cd.def[i] == leaf.max_def ? next_value++ : -1;
  }
  if (!cd.rep.empty() && cd.rep[0] != 0) throw DecodeError("column chunk does not start at a row boundary");
  cd.row_starts.push_back(cd.def.size());
  return cd;
}

}  // namespace lighteval::formats::parquet
