// util/strings: byte-string helpers several modules need with Python's semantics.
#pragma once

#include <string>
#include <string_view>

namespace lighteval {

// str.replace(old, new): every non-overlapping occurrence, left to right (an empty `from` leaves
// `s` unchanged).
inline std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(s);
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string_view::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, std::string_view::npos);
  return out;
}

// str.isspace() for one code point: CPython's whitespace (bidirectional class WS, B or S, or
// category Zs), including \x1c-\x1f, U+0085 and U+00A0.
inline bool py_isspace(char32_t c) {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x1C: case 0x1D: case 0x1E:
    case 0x1F: case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

}  // namespace lighteval
