#include "formats/parquet_schema.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "formats/parquet_decode.h"

namespace lighteval::formats::parquet {

namespace {

constexpr int kMaxSchemaDepth = 100;

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string format_date(int64_t days) {
  // Far beyond any calendar a dataset uses; keeps the civil-date arithmetic from overflowing.
  if (days > (int64_t{1} << 40) || days < -(int64_t{1} << 40)) throw DecodeError("a DATE/TIMESTAMP value is out of range");
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

int64_t unit_per_second(int unit) { return unit == 1 ? 1000 : unit == 2 ? 1000000 : 1000000000; }
int unit_digits(int unit) { return unit == 1 ? 3 : unit == 2 ? 6 : 9; }

std::string format_time_of_day(int64_t value, int unit) {
  int64_t per_s = unit_per_second(unit);
  int64_t secs = floor_div(value, per_s);
  int64_t frac = value - secs * per_s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%0*lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                unit_digits(unit), static_cast<long long>(frac));
  return buf;
}

std::string format_timestamp(int64_t value, int unit, bool utc) {
  int64_t per_day = unit_per_second(unit) * 86400;
  int64_t days = floor_div(value, per_day);
  int64_t rest = value - days * per_day;
  return format_date(days) + "T" + format_time_of_day(rest, unit) + (utc ? "Z" : "");
}

// Unscaled two's-complement big-endian integer -> decimal string with `scale` fraction digits.
std::string format_decimal_bytes(std::string_view be, int scale) {
  std::vector<uint8_t> mag(be.begin(), be.end());
  bool negative = !mag.empty() && (mag[0] & 0x80);
  if (negative) {  // two's complement negate
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  std::string digits;
  size_t start = 0;
  while (start < mag.size() && mag[start] == 0) ++start;
  while (start < mag.size()) {
    unsigned rem = 0;
    for (size_t i = start; i < mag.size(); ++i) {
      unsigned cur = (rem << 8) | mag[i];
      mag[i] = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    while (start < mag.size() && mag[start] == 0) ++start;
  }
  if (digits.empty()) digits = "0";
  std::string s(digits.rbegin(), digits.rend());
  if (scale > 0) {
    if (s.size() <= static_cast<size_t>(scale)) s.insert(0, static_cast<size_t>(scale) + 1 - s.size(), '0');
    s.insert(s.size() - static_cast<size_t>(scale), ".");
  } else if (scale < 0 && s != "0") {
    s.append(static_cast<size_t>(std::min(-scale, 4096)), '0');
  }
  bool zero = s.find_first_not_of("0.") == std::string::npos;
  return (negative && !zero) ? "-" + s : s;
}

std::string format_decimal_int(int64_t v, int scale) {
  std::string be(8, '\0');
  for (int i = 0; i < 8; ++i) be[7 - i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return format_decimal_bytes(be, scale);
}

double half_to_double(uint16_t h);

}  // namespace

// Copies valid UTF-8 through and replaces each invalid sequence with U+FFFD, so every string we
// hand out can be dumped as JSON.
std::string sanitize_utf8(std::string_view s) {
  size_t i = 0;
  auto valid_at = [&](size_t p, size_t& len) {
    unsigned char c = static_cast<unsigned char>(s[p]);
    if (c < 0x80) { len = 1; return true; }
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return false;
    if (p + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[p + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    return true;
  };
  // Fast path: most strings are valid.
  size_t len = 0;
  for (i = 0; i < s.size(); i += len)
    if (!valid_at(i, len)) break;
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    if (valid_at(i, len)) { out.append(s.substr(i, len)); i += len; }
    else { out.append("\xef\xbf\xbd"); ++i; }
  }
  return out;
}

namespace {

double half_to_double(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;
  if (exp == 0) v = std::ldexp(mant, -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(mant + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

}  // namespace

std::string base64_encode(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += tbl[(v >> 6) & 63]; out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += tbl[(v >> 6) & 63]; out += '=';
  }
  return out;
}

Schema build_schema(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) throw DecodeError("the schema is empty");
  Schema s;
  s.nodes.reserve(elements.size());
  size_t next = 0;
  std::function<int(int, int, int, int, const std::string&)> add =
      [&](int parent, int def, int rep, int depth, const std::string& prefix) -> int {
    if (depth > kMaxSchemaDepth) throw DecodeError("the schema is nested too deeply");
    if (next >= elements.size()) throw DecodeError("the schema lists fewer elements than its groups claim");
    const SchemaElement& e = elements[next++];
    int idx = static_cast<int>(s.nodes.size());
    s.nodes.push_back(Node{});
    Node n;
    n.element = &e;
    n.name = sanitize_utf8(e.name);
    n.parent = parent;
    if (parent >= 0) {
      if (!e.repetition) throw DecodeError("schema element '" + e.name + "' has no repetition type");
      if (*e.repetition != Repetition::required) ++def;
      if (*e.repetition == Repetition::repeated) ++rep;
    }
    n.def_level = def;
    n.rep_level = rep;
    n.leaf_begin = static_cast<int>(s.leaves.size());
    std::string path = parent < 0 ? "" : (prefix.empty() ? e.name : prefix + "." + e.name);
    if (e.num_children < 0) throw DecodeError("schema element '" + e.name + "' has a negative child count");
    if (e.num_children == 0 && parent >= 0) {
      if (!e.type) throw DecodeError("schema element '" + e.name + "' is a group without children");
      n.leaf_index = static_cast<int>(s.leaves.size());
      s.leaves.push_back(idx);
      s.leaf_paths.push_back(path);
    } else {
      if (static_cast<size_t>(e.num_children) > elements.size() - next)
        throw DecodeError("schema element '" + e.name + "' claims more children than the schema has");
      for (int c = 0; c < e.num_children; ++c) n.children.push_back(add(idx, def, rep, depth + 1, path));
    }
    n.leaf_end = static_cast<int>(s.leaves.size());
    s.nodes[idx] = std::move(n);
    return idx;
  };
  add(-1, 0, 0, 0, "");
  if (next != elements.size()) throw DecodeError("the schema has elements outside its root");
  if (s.leaves.empty()) throw DecodeError("the schema has no columns");
  for (int leaf : s.leaves)
    if (s.nodes[leaf].def_level > 32000 || s.nodes[leaf].rep_level > 32000)
      throw DecodeError("the schema is nested too deeply");
  return s;
}

ValueConverter::ValueConverter(const SchemaElement& e) {
  if (e.scale < -1000 || e.scale > 1000 || e.logical.scale < -1000 || e.logical.scale > 1000)
    throw DecodeError("column '" + e.name + "' has an out-of-range DECIMAL scale");
  const LogicalType& lt = e.logical;
  int ct = e.converted_type.value_or(-1);
  PhysicalType pt = e.type.value_or(PhysicalType::int32);
  if (lt.kind == LogicalType::decimal || ct == converted::decimal) {
    kind_ = Kind::decimal;
    scale_ = lt.kind == LogicalType::decimal ? lt.scale : e.scale;
  } else if (lt.kind == LogicalType::date || ct == converted::date) {
    kind_ = Kind::date;
  } else if (lt.kind == LogicalType::timestamp) {
    kind_ = Kind::timestamp;
    unit_ = lt.unit ? lt.unit : 2;
    utc_ = lt.adjusted_to_utc;
  } else if (ct == converted::timestamp_millis || ct == converted::timestamp_micros) {
    kind_ = Kind::timestamp;
    unit_ = ct == converted::timestamp_millis ? 1 : 2;
    utc_ = true;  // the legacy annotations meant UTC instants
  } else if (lt.kind == LogicalType::time) {
    kind_ = Kind::time;
    unit_ = lt.unit ? lt.unit : 1;
  } else if (ct == converted::time_millis || ct == converted::time_micros) {
    kind_ = Kind::time;
    unit_ = ct == converted::time_millis ? 1 : 2;
  } else if ((lt.kind == LogicalType::integer && !lt.is_signed) ||
             (ct >= converted::uint_8 && ct <= converted::uint_64)) {
    kind_ = Kind::unsigned_int;
  } else if (lt.kind == LogicalType::uuid) {
    kind_ = Kind::uuid;
  } else if (lt.kind == LogicalType::float16) {
    kind_ = Kind::float16;
  } else if (lt.kind == LogicalType::string || lt.kind == LogicalType::enum_ || lt.kind == LogicalType::json ||
             ct == converted::utf8 || ct == converted::enum_ || ct == converted::json) {
    kind_ = Kind::string;
  } else if (pt == PhysicalType::byte_array || pt == PhysicalType::fixed_len_byte_array) {
    kind_ = Kind::binary;
  }
  if (pt == PhysicalType::int96) {
    kind_ = Kind::timestamp;
    unit_ = 3;
    utc_ = false;
  }
}

Json ValueConverter::from_int32(int32_t v) const {
  switch (kind_) {
    case Kind::unsigned_int: return static_cast<uint32_t>(v);
    case Kind::date: return format_date(v);
    case Kind::time: return format_time_of_day(v, unit_);
    case Kind::decimal: return format_decimal_int(v, scale_);
    case Kind::timestamp: return format_timestamp(v, unit_, utc_);
    default: return v;
  }
}

Json ValueConverter::from_int64(int64_t v) const {
  switch (kind_) {
    case Kind::unsigned_int: return static_cast<uint64_t>(v);
    case Kind::date: return format_date(v);
    case Kind::time: return format_time_of_day(v, unit_);
    case Kind::decimal: return format_decimal_int(v, scale_);
    case Kind::timestamp: return format_timestamp(v, unit_, utc_);
    default: return v;
  }
}

Json ValueConverter::from_int96(const uint8_t* p) const {
  uint64_t nanos = 0;
  for (int i = 0; i < 8; ++i) nanos |= static_cast<uint64_t>(p[i]) << (8 * i);
  uint32_t julian = 0;
  for (int i = 0; i < 4; ++i) julian |= static_cast<uint32_t>(p[8 + i]) << (8 * i);
  int64_t days = static_cast<int64_t>(julian) - 2440588;  // Julian day of 1970-01-01
  // Compose with days kept apart: nanoseconds since the epoch overflow int64 beyond year 2262.
  int64_t extra_days = static_cast<int64_t>(nanos / 86400000000000ULL);
  int64_t rest = static_cast<int64_t>(nanos % 86400000000000ULL);
  return format_date(days + extra_days) + "T" + format_time_of_day(rest, 3);
}

Json ValueConverter::from_bytes(std::string_view v) const {
  switch (kind_) {
    case Kind::string: return sanitize_utf8(v);
    case Kind::decimal: return format_decimal_bytes(v, scale_);
    case Kind::uuid: {
      if (v.size() != 16) return base64_encode(v);
      static const char* hex = "0123456789abcdef";
      std::string s;
      for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[uint8_t(v[i]) >> 4];
        s += hex[uint8_t(v[i]) & 15];
      }
      return s;
    }
    case Kind::float16:
      if (v.size() == 2) return half_to_double(static_cast<uint16_t>(uint8_t(v[0]) | (uint8_t(v[1]) << 8)));
      return base64_encode(v);
    default: return base64_encode(v);
  }
}

}  // namespace lighteval::formats::parquet
