// The Hendrycks MATH answer normalizer (lighteval v0.5 normalizations.py::math_normalizer). Where
// the Python code would raise (an AssertionError on \fbox answers, an IndexError on a trailing
// "\frac" or "\sqrt"), this keeps the text instead of crashing the run.
#include <string>
#include <vector>

#include "metrics/normalizers.h"
#include "metrics/py_text.h"

namespace lighteval::metrics {
namespace {

using U = std::u32string;

U u(std::string_view s) { return py::decode(s); }

bool starts_with(const U& s, const U& p) { return s.compare(0, p.size(), p) == 0; }
bool contains(const U& s, const U& p) { return s.find(p) != U::npos; }

std::vector<U> split_on(const U& s, const U& sep) {  // str.split(sep)
  std::vector<U> out;
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(sep, pos);
    if (hit == U::npos) break;
    out.push_back(s.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  out.push_back(s.substr(pos));
  return out;
}

U replace(const U& s, const U& from, const U& to) {
  U out;
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(from, pos);
    if (hit == U::npos) break;
    out += s.substr(pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out += s.substr(pos);
  return out;
}

// _last_boxed_only_string: the last \boxed{...} (or \fbox{...}) with balanced braces.
bool last_boxed_only(const U& text, U* out) {
  size_t idx = text.rfind(u("\\boxed"));
  if (idx == U::npos) {
    idx = text.rfind(u("\\fbox"));
    if (idx == U::npos) return false;
  }
  int open = 0;
  for (size_t i = idx; i < text.size(); ++i) {
    if (text[i] == U'{') ++open;
    if (text[i] == U'}') {
      --open;
      if (open == 0) {
        *out = text.substr(idx, i + 1 - idx);
        return true;
      }
    }
  }
  return false;
}

U remove_boxed(const U& text) {
  const U space_form = u("\\boxed ");
  if (contains(text, space_form)) return starts_with(text, space_form) ? text.substr(space_form.size()) : U();
  for (const U& left : {u("\\boxed{"), u("\\fbox{")}) {
    if (starts_with(text, left) && !text.empty() && text.back() == U'}')
      return text.substr(left.size(), text.size() - left.size() - 1);
  }
  return U();
}

U fix_fracs(const U& text) {
  std::vector<U> parts = split_on(text, u("\\frac"));
  U out = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) {
    const U& sub = parts[k];
    out += u("\\frac");
    if (sub.empty()) return text;  // Python: IndexError on substr[0]
    if (sub[0] == U'{') {
      out += sub;
      continue;
    }
    if (sub.size() < 2) return text;
    char32_t a = sub[0], b = sub[1];
    if (b != U'{') {
      out += U(U"{") + a + U"}{" + b + U"}" + sub.substr(2);
    } else {
      out += U(U"{") + a + U"}" + b + sub.substr(2);
    }
  }
  return out;
}

// A canonical Python int literal, i.e. "{}".format(int(s)) == s.
bool canonical_int(const U& s) {
  size_t i = s.size() > 0 && s[0] == U'-' ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < U'0' || s[j] > U'9') return false;
  if (s[i] == U'0' && s.size() - i > 1) return false;
  if (i == 1 && s == U"-0") return false;
  return true;
}

U fix_a_slash_b(const U& text) {
  std::vector<U> parts = split_on(text, U(U"/"));
  if (parts.size() != 2) return text;
  if (!canonical_int(parts[0]) || !canonical_int(parts[1])) return text;
  return u("\\frac{") + parts[0] + U"}{" + parts[1] + U"}";
}

U remove_right_units(const U& text) {
  const U marker = u("\\text{ ");
  if (!contains(text, marker)) return text;
  U first = split_on(text, marker)[0];
  return py::decode(py::rstrip(py::encode(first)));
}

U fix_sqrt(const U& text) {
  if (!contains(text, u("\\sqrt"))) return text;
  std::vector<U> parts = split_on(text, u("\\sqrt"));
  U out = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) {
    const U& s = parts[k];
    if (s.empty()) return text;  // Python: IndexError on split[0]
    if (s[0] != U'{')
      out += u("\\sqrt{") + s[0] + U"}" + s.substr(1);
    else
      out += u("\\sqrt") + s;
  }
  return out;
}

}  // namespace

std::string math_normalizer(std::string_view input) {
  U boxed;
  U text = last_boxed_only(u(input), &boxed) ? remove_boxed(boxed) : U();
  const std::pair<const char*, const char*> first[] = {
      {"\n", ""},          {"\\!", ""},  {"\\\\", "\\"},     {"tfrac", "frac"}, {"dfrac", "frac"},
      {"\\left", ""},      {"\\right", ""}, {"^{\\circ}", ""}, {"^\\circ", ""},   {"\\$", ""}};
  for (auto [from, to] : first) text = replace(text, u(from), u(to));
  text = remove_right_units(text);
  const std::pair<const char*, const char*> second[] = {
      {"\\%", ""}, {"\\%", ""}, {" .", " 0."}, {"{.", "{0."}};
  for (auto [from, to] : second) text = replace(text, u(from), u(to));
  if (text.empty()) return std::string();
  if (text[0] == U'.') text = U(U"0") + text;
  std::vector<U> eq = split_on(text, U(U"="));
  if (eq.size() == 2 && eq[0].size() <= 2) text = eq[1];
  text = fix_sqrt(text);
  text = replace(text, U(U" "), U());
  text = fix_fracs(text);
  if (text == U"0.5") text = u("\\frac{1}{2}");
  text = fix_a_slash_b(text);
  return py::encode(text);
}

}  // namespace lighteval::metrics
