// metrics/py_text: the few Python str semantics that lighteval's metrics rely on, on UTF-8 text:
// code-point length, str.split()/strip() with Python's whitespace set, str.lower(), and re.sub
// through PCRE2 in Unicode mode (Python 3's re defaults: \w, \d, \s and \b are Unicode-aware).
// Limits: lower() is the simple per-code-point mapping plus U+0130 (the one full mapping that
// changes length); re.sub handles the group references \N and \g<N> only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/strings.h"

namespace lighteval::metrics::py {

std::u32string decode(std::string_view utf8);  // invalid bytes become U+FFFD
std::string encode(std::u32string_view text);
size_t length(std::string_view utf8);  // Python len(): code points

std::string strip(std::string_view s);
std::string rstrip(std::string_view s);
std::vector<std::string> split(std::string_view s);  // str.split() with no argument
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string lower(std::string_view s);
using lighteval::replace_all;  // str.replace (util/strings.h)

// ASCII punctuation of Python's string.punctuation.
bool is_ascii_punct(char32_t c);

// A compiled Python-compatible regular expression (PCRE2, UTF + UCP).
class Regex {
 public:
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // re.sub(pattern, repl, text): repl may use \1..\9 and \g<N>.
  std::string sub(std::string_view repl, std::string_view text) const;
  // re.search(...).group(n), or false when there is no match.
  bool search(std::string_view text, std::string* group_out, int group = 0) const;
  // re.split(pattern, text) for patterns without capture groups.
  std::vector<std::string> split(std::string_view text) const;
  bool full_match(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lighteval::metrics::py
