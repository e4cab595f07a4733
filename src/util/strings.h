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

}  // namespace lighteval
