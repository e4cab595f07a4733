// jinja2's built-in filters (jinja2/filters.py), with transformers' `tojson` override
// (json.dumps, ensure_ascii=False, no key sorting, no HTML escaping).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "template/interp.h"
#include "template/pystr.h"

namespace lighteval::jinja::detail {
namespace {

Value lowered(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.as_string()));
  return v;
}

// jinja2's make_attrgetter: "a.b" or "0" paths, item lookup first.
Value attr_path(Interpreter& in, const Value& v, const std::string& path) {
  Value cur = v;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    cur = in.get_item(cur, numeric ? Value::integer(std::stoll(part)) : Value::string(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// printf-style formatting: `"%s and %d" % (a, b)` and the `format` filter.
// snprintf into a string of the exact length (width and precision can exceed any fixed buffer).
template <class T>
std::string c_format(const std::string& spec, T x) {
  const int n = std::snprintf(nullptr, 0, spec.c_str(), x);
  if (n < 0) throw TemplateError("invalid format '" + spec + "'");
  std::string s(static_cast<size_t>(n), '\0');
  std::snprintf(s.data(), s.size() + 1, spec.c_str(), x);
  return s;
}

std::string percent_format(const std::string& fmt, const List& args) {
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) throw TemplateError("incomplete format");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    // Python's spec: flags, width, '.' precision. Parsed strictly so that only a valid C spec
    // reaches snprintf (a NUL byte, which strchr matches as the terminator, or a second '.' did);
    // width and precision are bounded to 5 digits so the output is.
    std::string spec = "%";
    while (i < fmt.size() && fmt[i] != '\0' && std::strchr("-+ #0", fmt[i])) spec += fmt[i++];
    const auto digits = [&] {
      const size_t start = i;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') spec += fmt[i++];
      if (i - start > 5) throw TemplateError("format width or precision too large");
    };
    digits();
    if (i < fmt.size() && fmt[i] == '.') {
      spec += fmt[i++];
      digits();
    }
    if (i >= fmt.size()) throw TemplateError("incomplete format");
    char conv = fmt[i];
    if (ai >= args.size()) throw TemplateError("not enough arguments for format string");
    const Value& v = args[ai++];
    if (conv == 's' || conv == 'r') {
      std::string s = conv == 's' ? py_str(v) : py_repr(v);
      if (spec == "%") out += s;
      else out += c_format(spec + "s", s.c_str());
    } else if (conv == 'd' || conv == 'i') {
      if (!v.is_number()) throw TemplateError("%d format: a real number is required, not " + type_name(v));
      std::int64_t n = 0;
      if (v.is_float()) {
        // No big integers here: a float beyond int64 is an error (casting it would be undefined).
        const double d = v.as_float();
        if (!(std::fabs(d) < 9.2e18)) throw TemplateError("%d format: the number is too large");
        n = static_cast<std::int64_t>(d);
      } else {
        n = v.as_int();
      }
      out += c_format(spec + "lld", static_cast<long long>(n));
    } else if (conv != '\0' && std::strchr("feEgGxXo", conv)) {
      if (!v.is_number()) throw TemplateError("must be real number, not " + type_name(v));
      if (std::strchr("xXo", conv) && v.is_float())  // Python: TypeError, as_int() would read no int
        throw TemplateError(std::string("%") + conv + " format: an integer is required, not float");
      if (std::strchr("xXo", conv)) out += c_format(spec + "ll" + conv, static_cast<long long>(v.as_int()));
      else out += c_format(spec + conv, v.as_float());
    } else {
      throw TemplateError(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (ai < args.size()) throw TemplateError("not all arguments converted during string formatting");
  return out;
}

Value do_tojson(const Value& v, CallArgs& a) {
  JsonStyle st;
  st.ensure_ascii = arg_bool(a, 0, "ensure_ascii", false);
  const Value* indent = arg(a, 1, "indent");
  if (indent && !indent->is_none()) {
    if (indent->is_string()) {
      st.indent_is_string = true;
      st.indent_str = indent->as_string();
    } else {
      st.indent = static_cast<int>(std::clamp<std::int64_t>(indent->as_int(), 0, 1000));
    }
    st.item_sep = ",";
  }
  const Value* seps = arg(a, 2, "separators");
  if (seps && !seps->is_none()) {
    List p = iterate(*seps);
    if (p.size() != 2) throw TemplateError("separators must be a pair of strings");
    st.item_sep = py_str(p[0]);
    st.key_sep = py_str(p[1]);
  }
  st.sort_keys = arg_bool(a, 3, "sort_keys", false);
  return Value::string(py_json_dumps(v, st));
}

Value do_indent(const Value& v, CallArgs& a) {
  if (v.is_undefined()) throw_undefined(v);  // jinja2 appends "\n" to the value first
  const Value* w = arg(a, 0, "width");
  std::string indention = (w && w->is_string()) ? w->as_string() : std::string(static_cast<size_t>(
      std::clamp<std::int64_t>(w ? w->as_int() : 4, 0, 10000)), ' ');
  bool first = arg_bool(a, 1, "first", false);
  bool blank = arg_bool(a, 2, "blank", false);
  std::string s = py_str(v) + "\n";
  auto lines = py_splitlines(s, false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + indention : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? lines[i] : indention + lines[i]);
  }
  if (first) rv = indention + rv;
  return Value::string(rv);
}

Value do_round(const Value& v, CallArgs& a) {
  std::int64_t precision = arg_int(a, 0, "precision", 0);
  std::string method = arg_str(a, 1, "method", "common");
  if (!v.is_number()) throw TemplateError("round filter needs a number, got " + type_name(v));
  double x = v.as_float();
  if (method == "common") {
    if (!v.is_float()) return Value::integer(v.as_int());  // Python's round(int, n) stays an int
    // Python's round(): the exact binary value rounded half-to-even, as printf does.
    char buf[512];
    if (precision >= 0 && precision < 300) {
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), x);
      return Value::number(std::strtod(buf, nullptr));
    }
    double p = std::pow(10.0, static_cast<double>(-precision));
    return Value::number(std::nearbyint(x / p) * p);
  }
  if (method != "ceil" && method != "floor") throw TemplateError("method must be common, ceil or floor");
  double p = std::pow(10.0, static_cast<double>(precision));
  double r = method == "ceil" ? std::ceil(x * p) : std::floor(x * p);
  return Value::number(r / p);
}

Value do_int(const Value& v, CallArgs& a) {
  std::int64_t def = arg_int(a, 0, "default", 0);
  std::int64_t base = arg_int(a, 1, "base", 10);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    double d = v.as_float();
    if (!std::isfinite(d) || std::fabs(d) > 9.2e18) return Value::integer(def);
    return Value::integer(static_cast<std::int64_t>(d));
  }
  if (v.is_string()) {
    std::string s = py_strip(v.as_string(), std::nullopt, true, true), clean;
    for (char c : s)
      if (c != '_') clean.push_back(c);
    if (!clean.empty() && base >= 2 && base <= 36) {
      char* end = nullptr;
      errno = 0;
      long long r = std::strtoll(clean.c_str(), &end, static_cast<int>(base));
      if (end == clean.data() + clean.size() && errno == 0) return Value::integer(r);
    }
    char* end = nullptr;
    double d = std::strtod(clean.c_str(), &end);
    if (!clean.empty() && end == clean.data() + clean.size() && std::isfinite(d) && std::fabs(d) < 9.2e18)
      return Value::integer(static_cast<std::int64_t>(d));
  }
  return Value::integer(def);
}

Value do_float(const Value& v, CallArgs& a) {
  const Value* d = arg(a, 0, "default");
  Value def = d ? *d : Value::number(0.0);
  if (v.is_number()) return Value::number(v.as_float());
  if (v.is_string()) {
    std::string s = py_strip(v.as_string(), std::nullopt, true, true);
    char* end = nullptr;
    double r = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.data() + s.size()) return Value::number(r);
  }
  return def;
}

std::vector<Value> sorted(Interpreter& in, List items, bool reverse, bool case_sensitive, const Value* attribute) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& v : items) {
    Value k = attribute && !attribute->is_none() ? attr_path(in, v, py_str(*attribute)) : v;
    keyed.emplace_back(lowered(k, case_sensitive), v);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? py_less(y.first, x.first) : py_less(x.first, y.first);
  });
  List out;
  for (auto& kv : keyed) out.push_back(kv.second);
  return out;
}

// select/reject/selectattr/rejectattr.
Value select_items(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  size_t idx = 0;
  std::string attribute;
  if (by_attr) {
    const Value* at = arg(a, 0, nullptr);
    if (!at) throw TemplateError("Missing parameter for attribute name");
    attribute = py_str(*at);
    idx = 1;
  }
  std::string test_name;
  CallArgs test_args;
  if (idx < a.positional.size()) {
    test_name = py_str(a.positional[idx]);
    test_args.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(idx + 1), a.positional.end());
    test_args.keyword = a.keyword;
  }
  List out;
  for (const auto& item : iterate(v)) {
    Value x = by_attr ? attr_path(in, item, attribute) : item;
    bool r;
    if (test_name.empty()) {
      r = x.truthy();
    } else {
      CallArgs ta = test_args;
      r = in.test(test_name, x, ta);
    }
    if (r == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value unique_items(Interpreter& in, const Value& v, CallArgs& a) {
  bool cs = arg_bool(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  List seen, out;
  for (const auto& item : iterate(v)) {
    Value k = lowered(attribute && !attribute->is_none() ? attr_path(in, item, py_str(*attribute)) : item, cs);
    bool dup = false;
    for (const auto& s : seen) dup = dup || py_equal(s, k);
    if (!dup) {
      seen.push_back(k);
      out.push_back(item);
    }
  }
  return Value::list(std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& a, bool want_max) {
  List items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  bool cs = arg_bool(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  auto key = [&](const Value& x) {
    return lowered(attribute && !attribute->is_none() ? attr_path(in, x, py_str(*attribute)) : x, cs);
  };
  size_t best = 0;
  Value bk = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? py_less(bk, k) : py_less(k, bk)) {
      best = i;
      bk = k;
    }
  }
  return items[best];
}

}  // namespace

Value call_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
  if (name == "tojson") return do_tojson(v, a);
  if (name == "trim") {
    std::optional<std::string> chars;
    if (const Value* c = arg(a, 0, "chars"); c && !c->is_none()) chars = py_str(*c);
    return Value::string(py_strip(py_str(v), chars, true, true));
  }
  if (name == "length" || name == "count") return Value::integer(py_len(v));
  if (name == "string") return Value::string(py_str(v));
  if (name == "safe") return Value::string(py_str(v));
  if (name == "e" || name == "escape" || name == "forceescape") return Value::string(html_escape(py_str(v)));
  if (name == "upper") return Value::string(py_upper(py_str(v)));
  if (name == "lower") return Value::string(py_lower(py_str(v)));
  if (name == "capitalize") return Value::string(py_capitalize(py_str(v)));
  if (name == "title") {
    // jinja2: split at runs of [-\s({\[<] and capitalise each piece's first character.
    std::string s = py_str(v), out;
    bool at_start = true;
    for (char32_t c : utf8_decode(s)) {
      bool sep = py_isspace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
      std::string one;
      utf8_append(one, c);
      if (sep) {
        out += one;
        at_start = true;
      } else {
        out += at_start ? py_upper(one) : py_lower(one);
        at_start = false;
      }
    }
    return Value::string(out);
  }
  if (name == "default" || name == "d") {
    const Value* dv = arg(a, 0, "default_value");
    bool boolean = arg_bool(a, 1, "boolean", false);
    if (v.is_undefined() || (boolean && !v.truthy())) return dv ? *dv : Value::string("");
    return v;
  }
  if (name == "join") {
    std::string sep = arg_str(a, 0, "d", "");
    const Value* attribute = arg(a, 1, "attribute");
    std::string out;
    bool first = true;
    for (const auto& item : iterate(v)) {
      if (!first) out += sep;
      first = false;
      out += py_str(attribute && !attribute->is_none() ? attr_path(in, item, py_str(*attribute)) : item);
    }
    in.charge(out.size());
    return Value::string(std::move(out));
  }
  if (name == "replace") {
    std::string out = py_replace(py_str(v), arg_str(a, 0, "old", ""), arg_str(a, 1, "new", ""), arg_int(a, 2, "count", -1));
    in.charge(out.size());
    return Value::string(std::move(out));
  }
  if (name == "items") {
    if (v.is_undefined()) return Value::list({});
    if (!v.is_dict() || v.is_namespace()) throw TemplateError("Can only get item pairs from a mapping.");
    List out;
    for (const auto& kv : v.as_dict().items) out.push_back(Value::list({Value::string(kv.first), kv.second}, true));
    return Value::list(std::move(out));
  }
  if (name == "dictsort") {
    if (!v.is_dict()) throw TemplateError("You can only sort by either \"key\" or \"value\"");
    bool cs = arg_bool(a, 0, "case_sensitive", false);
    std::string by = arg_str(a, 1, "by", "key");
    bool reverse = arg_bool(a, 2, "reverse", false);
    int pos = by == "key" ? 0 : by == "value" ? 1 : -1;
    if (pos < 0) throw TemplateError("You can only sort by either \"key\" or \"value\"");
    std::vector<Value> pairs;
    for (const auto& kv : v.as_dict().items) pairs.push_back(Value::list({Value::string(kv.first), kv.second}, true));
    std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
      Value kx = lowered(x.as_list()[static_cast<size_t>(pos)], cs), ky = lowered(y.as_list()[static_cast<size_t>(pos)], cs);
      return reverse ? py_less(ky, kx) : py_less(kx, ky);
    });
    return Value::list(std::move(pairs));
  }
  if (name == "list") return Value::list(iterate(v));
  if (name == "first") {
    List items = iterate(v);
    if (items.empty()) return Value::undefined("No first item, sequence was empty.");
    return items.front();
  }
  if (name == "last") {
    List items = iterate(v);
    if (items.empty()) return Value::undefined("No last item, sequence was empty.");
    return items.back();
  }
  if (name == "reverse") {
    if (v.is_string()) {
      auto cps = utf8_decode(v.as_string());
      std::reverse(cps.begin(), cps.end());
      return Value::string(utf8_encode(cps));
    }
    List items = iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "sort")
    return Value::list(sorted(in, iterate(v), arg_bool(a, 0, "reverse", false), arg_bool(a, 1, "case_sensitive", false),
                              arg(a, 2, "attribute")));
  if (name == "unique") return unique_items(in, v, a);
  if (name == "min" || name == "max") return min_max(in, v, a, name == "max");
  if (name == "sum") {
    const Value* attribute = arg(a, 0, "attribute");
    const Value* start = arg(a, 1, "start");
    Value acc = start ? *start : Value::integer(0);
    for (const auto& item : iterate(v)) {
      Value x = attribute && !attribute->is_none() ? attr_path(in, item, py_str(*attribute)) : item;
      if (!acc.is_number() || !x.is_number()) throw TemplateError("unsupported operand type(s) for +");
      if (acc.is_float() || x.is_float()) acc = Value::number(acc.as_float() + x.as_float());
      else acc = Value::integer(acc.as_int() + x.as_int());
    }
    return acc;
  }
  if (name == "abs") {
    if (v.is_int() || v.is_bool()) return Value::integer(std::llabs(v.as_int()));
    if (v.is_float()) return Value::number(std::fabs(v.as_float()));
    throw TemplateError("bad operand type for abs(): '" + type_name(v) + "'");
  }
  if (name == "int") return do_int(v, a);
  if (name == "float") return do_float(v, a);
  if (name == "round") return do_round(v, a);
  if (name == "indent") return do_indent(v, a);
  if (name == "center") {
    std::int64_t width = std::clamp<std::int64_t>(arg_int(a, 0, "width", 80), 0, 100000);
    std::string s = py_str(v);
    std::int64_t len = utf8_length(s);
    if (len >= width) return Value::string(s);
    std::int64_t pad = width - len, left = pad / 2 + (pad & width & 1);
    return Value::string(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(pad - left), ' '));
  }
  if (name == "wordcount") {
    std::int64_t n = 0;
    bool in_word = false;
    for (char32_t c : utf8_decode(py_str(v))) {
      bool w = py_isalnum(c) || c == '_';
      if (w && !in_word) ++n;
      in_word = w;
    }
    return Value::integer(n);
  }
  if (name == "batch") {
    std::int64_t n = arg_int(a, 0, "linecount", 1);
    const Value* fill = arg(a, 1, "fill_with");
    List out, cur;
    for (const auto& item : iterate(v)) {  // jinja2's loop, including its behaviour for n <= 0
      if (static_cast<std::int64_t>(cur.size()) == n) {
        out.push_back(Value::list(std::move(cur)));
        cur.clear();
      }
      cur.push_back(item);
    }
    if (!cur.empty()) {
      if (fill && !fill->is_none() && n > static_cast<std::int64_t>(cur.size())) {
        in.charge(static_cast<size_t>(n) * sizeof(Value));
        while (static_cast<std::int64_t>(cur.size()) < n) cur.push_back(*fill);
      }
      out.push_back(Value::list(std::move(cur)));
    }
    return Value::list(std::move(out));
  }
  if (name == "map") {
    List out;
    const Value* attribute = arg(a, SIZE_MAX, "attribute");
    if (attribute) {
      const Value* dflt = arg(a, SIZE_MAX, "default");
      for (const auto& item : iterate(v)) {
        Value x = attr_path(in, item, py_str(*attribute));
        if (x.is_undefined() && dflt) x = *dflt;
        out.push_back(x);
      }
      return Value::list(std::move(out));
    }
    if (a.positional.empty()) throw TemplateError("map requires a filter argument");
    std::string f = py_str(a.positional[0]);
    CallArgs rest;
    rest.positional.assign(a.positional.begin() + 1, a.positional.end());
    rest.keyword = a.keyword;
    for (const auto& item : iterate(v)) {
      CallArgs ra = rest;
      out.push_back(in.filter(f, item, ra));
    }
    return Value::list(std::move(out));
  }
  if (name == "select") return select_items(in, v, a, false, true);
  if (name == "reject") return select_items(in, v, a, false, false);
  if (name == "selectattr") return select_items(in, v, a, true, true);
  if (name == "rejectattr") return select_items(in, v, a, true, false);
  if (name == "attr") return in.get_attr(v, arg_str(a, 0, "name", ""));
  if (name == "format") {
    List args = a.positional;
    if (!a.keyword.empty()) throw TemplateError("format filter with keyword arguments is not supported");
    std::string out = percent_format(py_str(v), args);
    in.charge(out.size());
    return Value::string(std::move(out));
  }
  if (name == "truncate") {
    std::int64_t length = arg_int(a, 0, "length", 255);
    bool killwords = arg_bool(a, 1, "killwords", false);
    std::string end = arg_str(a, 2, "end", "...");
    std::int64_t leeway = arg_int(a, 3, "leeway", 5);
    auto cps = utf8_decode(py_str(v));
    std::int64_t endlen = utf8_length(end);
    if (static_cast<std::int64_t>(cps.size()) <= length + leeway) return Value::string(utf8_encode(cps));
    std::int64_t keep = std::max<std::int64_t>(0, length - endlen);
    std::vector<char32_t> head(cps.begin(), cps.begin() + static_cast<std::ptrdiff_t>(std::min<std::int64_t>(keep, static_cast<std::int64_t>(cps.size()))));
    std::string result = utf8_encode(head);
    if (!killwords) {
      size_t sp = result.rfind(' ');
      if (sp != std::string::npos) result = result.substr(0, sp);
    }
    return Value::string(result + end);
  }
  throw TemplateError("No filter named '" + name + "'.");
}

}  // namespace lighteval::jinja::detail
