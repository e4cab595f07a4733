// tokenizer/regex: PCRE2 (UTF + UCP, JIT-compiled) patterns with Oniguruma-like find-all, the
// engine HF `tokenizers` uses for Split and ByteLevel. Thread-safe: match state is per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lighteval::tokenizer {

class Regex {
 public:
  // Throws lighteval::Error naming the pattern when PCRE2 rejects it.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All non-overlapping leftmost-first matches in `text` (valid UTF-8), as byte ranges.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
  // First match at or after `start`; false if none.
  bool find(std::string_view text, size_t start, size_t& mstart, size_t& mend) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8
};

// Escapes every regex metacharacter so that `s` matches literally.
std::string regex_escape(std::string_view s);

}  // namespace lighteval::tokenizer
