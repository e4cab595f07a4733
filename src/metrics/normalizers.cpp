#include "metrics/normalizers.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "metrics/py_text.h"

namespace lighteval::metrics {

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e+02"
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  std::string out;
  // float_repr_style 'short' with repr's rule: scientific when exp < -4 or exp >= 16.
  if (exp10 < -4 || exp10 >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  } else if (exp10 < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
  } else {
    size_t int_len = static_cast<size_t>(exp10) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return neg ? "-" + out : out;
}

bool python_float_str(std::string_view text, std::string* out) {
  std::string s = py::strip(text);
  if (s.empty()) return false;
  // Python accepts [sign] (digits with single underscores between digits [. digits] [exp] | inf |
  // infinity | nan), case-insensitive for the words.
  size_t i = 0;
  std::string clean;
  if (s[i] == '+' || s[i] == '-') clean.push_back(s[i++]);
  std::string rest = s.substr(i);
  std::string low = py::lower(rest);
  if (low == "inf" || low == "infinity" || low == "nan") {
    double v = low == "nan" ? NAN : INFINITY;
    if (!clean.empty() && clean[0] == '-') v = -v;
    *out = python_float_repr(v);
    if (low == "nan") *out = "nan";
    return true;
  }
  auto digits = [&](size_t& j) {  // digits with single underscores between digits
    size_t start = j;
    while (j < rest.size()) {
      if (rest[j] >= '0' && rest[j] <= '9') {
        clean.push_back(rest[j++]);
      } else if (rest[j] == '_' && j > start && j + 1 < rest.size() && rest[j - 1] != '_' &&
                 rest[j + 1] >= '0' && rest[j + 1] <= '9') {
        ++j;
      } else {
        break;
      }
    }
    return j > start;
  };
  size_t j = 0;
  bool int_part = digits(j);
  bool frac_part = false;
  if (j < rest.size() && rest[j] == '.') {
    clean.push_back('.');
    ++j;
    frac_part = digits(j);
  }
  if (!int_part && !frac_part) return false;
  if (j < rest.size() && (rest[j] == 'e' || rest[j] == 'E')) {
    clean.push_back('e');
    ++j;
    if (j < rest.size() && (rest[j] == '+' || rest[j] == '-')) clean.push_back(rest[j++]);
    if (!digits(j)) return false;
  }
  if (j != rest.size()) return false;
  *out = python_float_repr(std::strtod(clean.c_str(), nullptr));
  return true;
}

std::string helm_normalizer(std::string_view text) {
  static const py::Regex token_split(" |-");
  static const py::Regex articles("\\b(a|an|the)\\b");
  std::vector<std::string> kept;
  for (const std::string& tok : token_split.split(text)) {
    std::u32string low = py::decode(py::lower(tok));
    std::u32string no_punct;
    for (char32_t c : low)
      if (!py::is_ascii_punct(c)) no_punct.push_back(c);
    std::string t = py::encode(no_punct);
    std::string as_float;
    if (python_float_str(t, &as_float)) t = as_float;
    t = articles.sub(" ", t);
    t = py::join(py::split(t), " ");
    if (!t.empty()) kept.push_back(t);
  }
  return py::strip(py::join(kept, " "));
}

std::string gsm8k_normalizer(std::string_view text) {
  static const py::Regex answer("#### (\\-?[0-9\\.\\,]+)");
  std::string g;
  if (!answer.search(text, &g, 1)) return "[invalid]";
  return py::replace_all(py::strip(g), ",", "");
}

std::string harness_triviaqa_normalizer(std::string_view text) {
  std::u32string low = py::decode(py::lower(text));
  std::u32string out;
  for (char32_t c : low)
    if (!py::is_ascii_punct(c)) out.push_back(c);
  return py::encode(out);
}

std::string bigbench_normalizer(std::string_view text) {
  return py::replace_all(std::string(text), " . ", ".\n");
}

std::string remove_braces(std::string_view text) {
  std::string t(text);
  if (!t.empty() && t.front() == '{') t.erase(0, 1);
  if (!t.empty() && t.back() == '}') t.pop_back();
  return t;
}

std::string remove_braces_and_strip(std::string_view text) { return remove_braces(py::strip(text)); }

}  // namespace lighteval::metrics
