#include "data/glob.h"

#include <vector>

namespace lighteval::data {
namespace {

bool match_rest(const std::string& p, size_t pi, const std::string& s, size_t si, std::vector<char>& failed);

// Matches one character class starting at p[i] == '['; advances i past ']'.
bool class_match(const std::string& p, size_t& i, char c, bool& valid) {
  size_t j = i + 1;
  bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
  if (negate) ++j;
  bool matched = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      if (c >= p[j] && c <= p[j + 2]) matched = true;
      j += 3;
    } else {
      if (c == p[j]) matched = true;
      ++j;
    }
  }
  if (j >= p.size()) {
    valid = false;  // no closing bracket: '[' is literal
    return c == '[';
  }
  valid = true;
  i = j + 1;
  return matched != negate;
}

// `failed` memoises (pi, si) states already known not to match, so patterns with many `*` and
// `**` (a README is user input) stay polynomial.
bool match_at(const std::string& p, size_t pi, const std::string& s, size_t si, std::vector<char>& failed) {
  const size_t key = pi * (s.size() + 1) + si;
  if (failed[key]) return false;
  bool ok = match_rest(p, pi, s, si, failed);
  if (!ok) failed[key] = 1;
  return ok;
}

bool match_rest(const std::string& p, size_t pi, const std::string& s, size_t si, std::vector<char>& failed) {
  while (pi < p.size()) {
    char pc = p[pi];
    if (pc == '*') {
      bool dbl = pi + 1 < p.size() && p[pi + 1] == '*';
      if (dbl) {
        size_t next = pi + 2;
        // "**/" also matches zero directories.
        if (next < p.size() && p[next] == '/' && match_at(p, next + 1, s, si, failed)) return true;
        for (size_t k = si; k <= s.size(); ++k)
          if (match_at(p, next, s, k, failed)) return true;
        return false;
      }
      for (size_t k = si; k <= s.size(); ++k) {
        if (match_at(p, pi + 1, s, k, failed)) return true;
        if (k < s.size() && s[k] == '/') break;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (pc == '?') {
      if (s[si] == '/') return false;
      ++pi;
      ++si;
      continue;
    }
    if (pc == '[') {
      bool valid = true;
      size_t save = pi;
      bool ok = class_match(p, pi, s[si], valid);
      if (!valid) pi = save + 1;
      if (!ok || s[si] == '/') return false;
      ++si;
      continue;
    }
    if (pc != s[si]) return false;
    ++pi;
    ++si;
  }
  return si == s.size();
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& path) {
  std::vector<char> failed((pattern.size() + 1) * (path.size() + 1), 0);
  return match_at(pattern, 0, path, 0, failed);
}

}  // namespace lighteval::data
