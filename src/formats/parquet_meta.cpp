#include "formats/parquet_meta.h"

#include "formats/thrift.h"

namespace lighteval::formats::parquet {

using thrift::FieldHeader;
using thrift::Reader;
using thrift::ThriftError;
using thrift::Type;

namespace {

// Reads a list of structs, calling `one` for each element after struct_begin.
template <typename F>
void read_struct_list(Reader& r, F&& one) {
  Type elem;
  uint32_t count;
  r.list_begin(elem, count);
  if (elem != Type::strct) throw ThriftError("expected a list of structs in parquet metadata");
  for (uint32_t i = 0; i < count; ++i) one(r);
}

// Field-type guard: a field with the expected id but the wrong wire type is skipped, not misread.
bool is(const FieldHeader& h, Type t) { return h.type == t; }

void read_time_unit(Reader& r, LogicalType& lt) {
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    if (h.id >= 1 && h.id <= 3 && is(h, Type::strct)) {
      lt.unit = h.id;
      r.skip(h.type);
    } else {
      r.skip(h.type);
    }
  }
  r.struct_end();
}

LogicalType read_logical_type(Reader& r) {
  LogicalType lt;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    if (!is(h, Type::strct)) { r.skip(h.type); continue; }
    lt.kind = h.id;
    r.struct_begin();
    for (FieldHeader f; (f = r.next_field()).type != Type::stop;) {
      if (h.id == LogicalType::decimal && f.id == 1 && is(f, Type::i32)) lt.scale = r.read_i32();
      else if (h.id == LogicalType::decimal && f.id == 2 && is(f, Type::i32)) lt.precision = r.read_i32();
      else if ((h.id == LogicalType::time || h.id == LogicalType::timestamp) && f.id == 1 &&
               (f.type == Type::bool_true || f.type == Type::bool_false))
        lt.adjusted_to_utc = r.read_bool(f);
      else if ((h.id == LogicalType::time || h.id == LogicalType::timestamp) && f.id == 2 &&
               is(f, Type::strct))
        read_time_unit(r, lt);
      else if (h.id == LogicalType::integer && f.id == 1 && is(f, Type::i8)) lt.bit_width = r.read_i8();
      else if (h.id == LogicalType::integer && f.id == 2 &&
               (f.type == Type::bool_true || f.type == Type::bool_false))
        lt.is_signed = r.read_bool(f);
      else r.skip(f.type);
    }
    r.struct_end();
  }
  r.struct_end();
  return lt;
}

SchemaElement read_schema_element(Reader& r) {
  SchemaElement e;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    switch (h.id) {
      case 1: if (is(h, Type::i32)) { e.type = static_cast<PhysicalType>(r.read_i32()); continue; } break;
      case 2: if (is(h, Type::i32)) { e.type_length = r.read_i32(); continue; } break;
      case 3: if (is(h, Type::i32)) { e.repetition = static_cast<Repetition>(r.read_i32()); continue; } break;
      case 4: if (is(h, Type::binary)) { e.name = r.read_binary(); continue; } break;
      case 5: if (is(h, Type::i32)) { e.num_children = r.read_i32(); continue; } break;
      case 6: if (is(h, Type::i32)) { e.converted_type = r.read_i32(); continue; } break;
      case 7: if (is(h, Type::i32)) { e.scale = r.read_i32(); continue; } break;
      case 8: if (is(h, Type::i32)) { e.precision = r.read_i32(); continue; } break;
      case 10: if (is(h, Type::strct)) { e.logical = read_logical_type(r); continue; } break;
      default: break;
    }
    r.skip(h.type);
  }
  r.struct_end();
  if (e.type && (static_cast<int32_t>(*e.type) < 0 || static_cast<int32_t>(*e.type) > 7))
    throw ThriftError("schema element '" + e.name + "' has an unknown physical type");
  if (e.repetition && (static_cast<int32_t>(*e.repetition) < 0 || static_cast<int32_t>(*e.repetition) > 2))
    throw ThriftError("schema element '" + e.name + "' has an unknown repetition type");
  return e;
}

ColumnMetaData read_column_meta(Reader& r) {
  ColumnMetaData m;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    switch (h.id) {
      case 1: if (is(h, Type::i32)) { m.type = static_cast<PhysicalType>(r.read_i32()); continue; } break;
      case 3:
        if (is(h, Type::list)) {
          Type elem;
          uint32_t count;
          r.list_begin(elem, count);
          for (uint32_t i = 0; i < count; ++i) {
            if (elem != Type::binary) throw ThriftError("path_in_schema is not a list of strings");
            m.path_in_schema.push_back(r.read_binary());
          }
          continue;
        }
        break;
      case 4: if (is(h, Type::i32)) { m.codec = r.read_i32(); continue; } break;
      case 5: if (is(h, Type::i64)) { m.num_values = r.read_i64(); continue; } break;
      case 7: if (is(h, Type::i64)) { m.total_compressed_size = r.read_i64(); continue; } break;
      case 9: if (is(h, Type::i64)) { m.data_page_offset = r.read_i64(); continue; } break;
      case 11: if (is(h, Type::i64)) { m.dictionary_page_offset = r.read_i64(); continue; } break;
      default: break;
    }
    r.skip(h.type);
  }
  r.struct_end();
  return m;
}

ColumnChunk read_column_chunk(Reader& r) {
  ColumnChunk c;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    if (h.id == 1 && is(h, Type::binary)) { r.read_binary(); c.has_file_path = true; continue; }
    if (h.id == 3 && is(h, Type::strct)) { c.meta = read_column_meta(r); c.has_meta_data = true; continue; }
    r.skip(h.type);
  }
  r.struct_end();
  return c;
}

RowGroup read_row_group(Reader& r) {
  RowGroup g;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    if (h.id == 1 && is(h, Type::list)) {
      read_struct_list(r, [&](Reader& rr) { g.columns.push_back(read_column_chunk(rr)); });
      continue;
    }
    if (h.id == 3 && is(h, Type::i64)) { g.num_rows = r.read_i64(); continue; }
    r.skip(h.type);
  }
  r.struct_end();
  return g;
}

}  // namespace

FileMetaData decode_file_metadata(const uint8_t* data, size_t size) {
  Reader r(data, size);
  FileMetaData md;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    switch (h.id) {
      case 1: if (is(h, Type::i32)) { md.version = r.read_i32(); continue; } break;
      case 2:
        if (is(h, Type::list)) {
          read_struct_list(r, [&](Reader& rr) { md.schema.push_back(read_schema_element(rr)); });
          continue;
        }
        break;
      case 3: if (is(h, Type::i64)) { md.num_rows = r.read_i64(); continue; } break;
      case 4:
        if (is(h, Type::list)) {
          read_struct_list(r, [&](Reader& rr) { md.row_groups.push_back(read_row_group(rr)); });
          continue;
        }
        break;
      case 5:
        if (is(h, Type::list)) {
          read_struct_list(r, [&](Reader& rr) {
            std::pair<std::string, std::string> kv;
            rr.struct_begin();
            for (FieldHeader f; (f = rr.next_field()).type != Type::stop;) {
              if (f.id == 1 && is(f, Type::binary)) kv.first = rr.read_binary();
              else if (f.id == 2 && is(f, Type::binary)) kv.second = rr.read_binary();
              else rr.skip(f.type);
            }
            rr.struct_end();
            md.key_value_metadata.push_back(std::move(kv));
          });
          continue;
        }
        break;
      case 6: if (is(h, Type::binary)) { md.created_by = r.read_binary(); continue; } break;
      default: break;
    }
    r.skip(h.type);
  }
  r.struct_end();
  return md;
}

PageHeader decode_page_header(const uint8_t* data, size_t size, size_t& consumed) {
  Reader r(data, size);
  PageHeader p;
  r.struct_begin();
  for (FieldHeader h; (h = r.next_field()).type != Type::stop;) {
    if (h.id == 1 && is(h, Type::i32)) { p.type = r.read_i32(); continue; }
    if (h.id == 2 && is(h, Type::i32)) { p.uncompressed_page_size = r.read_i32(); continue; }
    if (h.id == 3 && is(h, Type::i32)) { p.compressed_page_size = r.read_i32(); continue; }
    if ((h.id == 5 || h.id == 7 || h.id == 8) && is(h, Type::strct)) {
      int which = h.id;
      if (which == 5) p.has_data = true;
      if (which == 7) p.has_dictionary = true;
      if (which == 8) p.has_data_v2 = true;
      r.struct_begin();
      for (FieldHeader f; (f = r.next_field()).type != Type::stop;) {
        bool i32 = is(f, Type::i32);
        if (f.id == 1 && i32) p.num_values = r.read_i32();
        else if (which == 5 && f.id == 2 && i32) p.encoding = r.read_i32();
        else if (which == 5 && f.id == 3 && i32) p.def_level_encoding = r.read_i32();
        else if (which == 5 && f.id == 4 && i32) p.rep_level_encoding = r.read_i32();
        else if (which == 7 && f.id == 2 && i32) p.encoding = r.read_i32();
        else if (which == 8 && f.id == 2 && i32) p.num_nulls = r.read_i32();
        else if (which == 8 && f.id == 3 && i32) p.num_rows = r.read_i32();
        else if (which == 8 && f.id == 4 && i32) p.encoding = r.read_i32();
        else if (which == 8 && f.id == 5 && i32) p.def_levels_byte_length = r.read_i32();
        else if (which == 8 && f.id == 6 && i32) p.rep_levels_byte_length = r.read_i32();
        else if (which == 8 && f.id == 7 && (f.type == Type::bool_true || f.type == Type::bool_false))
          p.is_compressed = r.read_bool(f);
        else r.skip(f.type);
      }
      r.struct_end();
      continue;
    }
    r.skip(h.type);
  }
  r.struct_end();
  consumed = r.position();
  return p;
}

}  // namespace lighteval::formats::parquet
