#define PCRE2_CODE_UNIT_WIDTH 8
#include "metrics/py_text.h"

#include <pcre2.h>
#include <utf8proc.h>

#include "util/error.h"

namespace lighteval::metrics::py {

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                          static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
      out.push_back(U'\uFFFD');
      ++i;
    } else {
      out.push_back(static_cast<char32_t>(cp));
      i += static_cast<size_t>(n);
    }
  }
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  utf8proc_uint8_t buf[4];
  for (char32_t c : text) {
    utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
  }
  return out;
}

size_t length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {
// Byte range [begin, end) of s without leading/trailing Python whitespace.
std::pair<size_t, size_t> strip_range(std::string_view s, bool left, bool right) {
  std::u32string u = decode(s);
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && py_isspace(u[b])) ++b;
  if (right)
    while (e > b && py_isspace(u[e - 1])) --e;
  // Map code point offsets back to bytes by re-encoding (texts here are short).
  size_t byte_b = encode(std::u32string_view(u).substr(0, b)).size();
  size_t byte_len = encode(std::u32string_view(u).substr(b, e - b)).size();
  return {byte_b, byte_len};
}
}  // namespace

std::string strip(std::string_view s) {
  auto [b, n] = strip_range(s, true, true);
  return std::string(s.substr(b, n));
}

std::string rstrip(std::string_view s) {
  auto [b, n] = strip_range(s, false, true);
  return std::string(s.substr(b, n));
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::u32string u = decode(s);
  size_t i = 0;
  while (i < u.size()) {
    while (i < u.size() && py_isspace(u[i])) ++i;
    size_t j = i;
    while (j < u.size() && !py_isspace(u[j])) ++j;
    if (j > i) out.push_back(encode(std::u32string_view(u).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::u32string u = decode(s);
  std::u32string out;
  out.reserve(u.size());
  for (char32_t c : u) {
    if (c == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: Python gives "i" + U+0307
      out.push_back(U'i');
      out.push_back(0x307);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return encode(out);
}

bool is_ascii_punct(char32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

struct Regex::Impl {
  pcre2_code* code = nullptr;
};

Regex::Regex(std::string_view pattern) : impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE off = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw Error("internal error: bad metric regex '" + std::string(pattern) + "': " +
                reinterpret_cast<const char*>(msg));
  }
}

Regex::~Regex() {
  if (impl_ && impl_->code) pcre2_code_free(impl_->code);
}

namespace {

// PCRE2 runs with PCRE2_NO_UTF_CHECK, which is undefined behaviour on malformed UTF-8, and model
// generations can hold any bytes: malformed sequences become U+FFFD first (as Python's
// decode(errors="replace") would have done before the text ever reached lighteval).
std::string valid_utf8(std::string_view s, bool* changed) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p + i, static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
      *changed = true;
      return encode(decode(s));
    }
    i += static_cast<size_t>(n);
  }
  *changed = false;
  return std::string();
}

struct Matcher {
  pcre2_match_data* md;
  explicit Matcher(pcre2_code* code) : md(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~Matcher() { pcre2_match_data_free(md); }
};

// Length in bytes of the UTF-8 character starting at s[i].
size_t char_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

void expand(std::string& out, std::string_view repl, std::string_view text, PCRE2_SIZE* ov,
            int rc) {
  auto group = [&](int g) {
    if (g < rc && ov[2 * g] != PCRE2_UNSET)
      out.append(text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
  };
  for (size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c == '\\' && i + 1 < repl.size()) {
      char d = repl[i + 1];
      if (d >= '0' && d <= '9') {
        group(d - '0');
        ++i;
        continue;
      }
      if (d == 'g' && i + 2 < repl.size() && repl[i + 2] == '<') {
        size_t close = repl.find('>', i + 3);
        group(std::stoi(std::string(repl.substr(i + 3, close - i - 3))));
        i = close;
        continue;
      }
      if (d == 'n') {
        out.push_back('\n');
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
}

}  // namespace

std::string Regex::sub(std::string_view repl, std::string_view text) const {
  bool changed = false;
  std::string fixed = valid_utf8(text, &changed);
  if (changed) text = fixed;
  Matcher m(impl_->code);
  std::string out;
  size_t offset = 0, copied = 0;
  while (offset <= text.size()) {
    int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                         PCRE2_NO_UTF_CHECK, m.md, nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
    out.append(text.substr(copied, ov[0] - copied));
    expand(out, repl, text, ov, rc);
    if (ov[1] == ov[0]) {
      if (ov[0] >= text.size()) {
        copied = text.size();
        break;
      }
      size_t n = char_len(text, ov[0]);
      out.append(text.substr(ov[0], n));
      offset = copied = ov[0] + n;
    } else {
      offset = copied = ov[1];
    }
  }
  if (copied < text.size()) out.append(text.substr(copied));
  return out;
}

bool Regex::search(std::string_view text, std::string* group_out, int group) const {
  bool changed = false;
  std::string fixed = valid_utf8(text, &changed);
  if (changed) text = fixed;
  Matcher m(impl_->code);
  int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_NO_UTF_CHECK, m.md, nullptr);
  if (rc < 0) return false;
  if (group_out) {
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
    if (group < rc && ov[2 * group] != PCRE2_UNSET)
      *group_out = std::string(text.substr(ov[2 * group], ov[2 * group + 1] - ov[2 * group]));
    else
      group_out->clear();
  }
  return true;
}

bool Regex::full_match(std::string_view text) const {
  bool changed = false;
  std::string fixed = valid_utf8(text, &changed);
  if (changed) text = fixed;
  Matcher m(impl_->code);
  int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_NO_UTF_CHECK | PCRE2_ANCHORED | PCRE2_ENDANCHORED, m.md, nullptr);
  return rc >= 0;
}

std::vector<std::string> Regex::split(std::string_view text) const {
  bool changed = false;
  std::string fixed = valid_utf8(text, &changed);
  if (changed) text = fixed;
  Matcher m(impl_->code);
  std::vector<std::string> out;
  size_t offset = 0, last = 0;
  while (offset <= text.size()) {
    int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                         PCRE2_NO_UTF_CHECK, m.md, nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
    if (ov[1] == ov[0]) {  // Python splits on empty matches too, but only ours never match empty
      if (ov[0] >= text.size()) break;
      offset = ov[0] + char_len(text, ov[0]);
      continue;
    }
    out.emplace_back(text.substr(last, ov[0] - last));
    offset = last = ov[1];
  }
  out.emplace_back(text.substr(last));
  return out;
}

}  // namespace lighteval::metrics::py
