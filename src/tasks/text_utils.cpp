#include "tasks/text_utils.h"

#include <utf8proc.h>

#include <charconv>

namespace lighteval::tasks::text {

namespace {

// Decodes the code point at s[i]; invalid bytes decode as themselves (never whitespace).
int32_t decode(const std::string& s, size_t i, size_t& len) {
  utf8proc_int32_t cp = -1;
  utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                        static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
  if (n <= 0) {
    len = 1;
    return -1;
  }
  len = static_cast<size_t>(n);
  return cp;
}

void encode(int32_t cp, std::string& out) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

}  // namespace

std::string strip(const std::string& s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t len = 0;
    int32_t cp = decode(s, begin, len);
    if (!py_isspace(cp)) break;
    begin += len;
  }
  size_t end = begin;
  for (size_t i = begin; i < s.size();) {
    size_t len = 0;
    int32_t cp = decode(s, i, len);
    i += len;
    if (!py_isspace(cp)) end = i;
  }
  return s.substr(begin, end - begin);
}

std::string capitalize(const std::string& s) {
  std::string out;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    int32_t cp = decode(s, i, len);
    if (cp < 0) {
      out.append(s, i, len);
    } else {
      encode(first ? utf8proc_totitle(cp) : utf8proc_tolower(cp), out);
    }
    first = false;
    i += len;
  }
  return out;
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos || sep.empty()) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
}

bool parse_python_int(const std::string& raw, int64_t& out) {
  std::string s = strip(raw);
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '-') return false;
  }
  if (b == e) return false;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e;
}

}  // namespace lighteval::tasks::text
