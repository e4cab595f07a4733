// jinja2's global functions and tests, and the methods of str/dict/list that the sandbox lets
// templates call. Filters live in filters.cpp.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "template/interp.h"
#include "template/pystr.h"

namespace lighteval::jinja::detail {

const Value* arg(CallArgs& args, size_t index, const char* name) {
  if (name)
    for (auto& kv : args.keyword)
      if (kv.first == name) return &kv.second;
  if (index < args.positional.size()) return &args.positional[index];
  return nullptr;
}

std::string arg_str(CallArgs& args, size_t index, const char* name, const std::string& fallback) {
  const Value* v = arg(args, index, name);
  if (!v || v->is_none()) return fallback;
  return py_str(*v);
}

std::int64_t arg_int(CallArgs& args, size_t index, const char* name, std::int64_t fallback) {
  const Value* v = arg(args, index, name);
  if (!v || v->is_none()) return fallback;
  if (v->is_int() || v->is_bool()) return v->as_int();
  if (v->is_float()) return static_cast<std::int64_t>(v->as_float());
  throw TemplateError(std::string("'") + (name ? name : "argument") + "' must be an integer");
}

bool arg_bool(CallArgs& args, size_t index, const char* name, bool fallback) {
  const Value* v = arg(args, index, name);
  if (!v) return fallback;
  return v->truthy();
}

namespace {

std::string strftime_py(const std::string& fmt, std::int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  if (fmt.empty()) return "";
  std::string buf(256 + fmt.size() * 8, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
  buf.resize(n);
  return buf;
}

Value make_range(CallArgs& args) {
  auto num = [](const Value& v) {
    if (!(v.is_int() || v.is_bool())) throw TemplateError("'" + type_name(v) + "' cannot be interpreted as an integer");
    return v.as_int();
  };
  std::int64_t start = 0, stop = 0, step = 1;
  const auto& p = args.positional;
  if (p.size() == 1) stop = num(p[0]);
  else if (p.size() == 2) start = num(p[0]), stop = num(p[1]);
  else if (p.size() == 3) start = num(p[0]), stop = num(p[1]), step = num(p[2]);
  else throw TemplateError("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  if (step == 0) throw TemplateError("range() arg 3 must not be zero");
  // jinja2's sandbox refuses ranges longer than MAX_RANGE (100000).
  long double count = step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                               : (static_cast<long double>(start) - stop - step - 1) / -step;
  if (count > 100000)
    throw TemplateError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  List out;
  if (step > 0)
    for (std::int64_t i = start; i < stop; i += step) out.push_back(Value::integer(i));
  else
    for (std::int64_t i = start; i > stop; i += step) out.push_back(Value::integer(i));
  return Value::list(std::move(out));
}

}  // namespace

Dict make_globals(const Options& options) {
  Dict g;
  g.set("range", Value::callable("range", [](Interpreter&, CallArgs& a) { return make_range(a); }));
  g.set("dict", Value::callable("dict", [](Interpreter&, CallArgs& a) {
    Dict d;
    if (!a.positional.empty()) {
      if (!a.positional[0].is_dict()) throw TemplateError("dict() expects a mapping");
      d = a.positional[0].as_dict();
    }
    for (auto& kv : a.keyword) d.set(kv.first, kv.second);
    return Value::dict(std::move(d));
  }));
  g.set("namespace", Value::callable("namespace", [](Interpreter& in, CallArgs& a) {
    Dict d;
    if (!a.positional.empty() && a.positional[0].is_dict()) d = a.positional[0].as_dict();
    for (auto& kv : a.keyword) d.set(kv.first, kv.second);
    Value ns = Value::dict(std::move(d), true);
    in.track_namespace(ns);
    return ns;
  }));
  g.set("raise_exception", Value::callable("raise_exception", [](Interpreter&, CallArgs& a) -> Value {
    // Kept verbatim (no location) so callers see exactly the template's message.
    throw TemplateError(a.positional.empty() ? std::string() : py_str(a.positional[0]), -1, -1);
  }));
  std::optional<std::int64_t> fixed = options.now;
  g.set("strftime_now", Value::callable("strftime_now", [fixed](Interpreter&, CallArgs& a) {
    std::int64_t now = fixed ? *fixed
                             : std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
    return Value::string(strftime_py(a.positional.empty() ? "" : py_str(a.positional[0]), now));
  }));
  return g;
}

bool call_test(Interpreter& in, const std::string& name, const Value& v, CallArgs& args) {
  auto other = [&]() -> Value {
    const Value* o = arg(args, 0, nullptr);
    if (!o) throw TemplateError("test '" + name + "' needs an argument");
    return *o;
  };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict() && !v.is_namespace();
  if (name == "iterable") return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "sequence") return v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "callable") return v.is_callable();
  if (name == "escaped") return false;
  if (name == "lower") return py_str_islower(py_str(v));
  if (name == "upper") return py_str_isupper(py_str(v));
  if (name == "even" || name == "odd" || name == "divisibleby") {
    if (v.is_undefined()) throw_undefined(v);
    if (!v.is_number()) throw TemplateError("unsupported operand type(s) for %: '" + type_name(v) + "' and 'int'");
    std::int64_t d = name == "divisibleby" ? other().as_int() : 2;
    if (d == 0) throw TemplateError("integer division or modulo by zero");
    std::int64_t r = v.as_int() % d;
    return name == "odd" ? r != 0 : r == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==") return py_equal(v, other());
  if (name == "ne" || name == "!=") return !py_equal(v, other());
  if (name == "lt" || name == "lessthan" || name == "<") return py_less(v, other());
  if (name == "le" || name == "<=") return py_less(v, other()) || py_equal(v, other());
  if (name == "gt" || name == "greaterthan" || name == ">") return py_less(other(), v);
  if (name == "ge" || name == ">=") return py_less(other(), v) || py_equal(v, other());
  if (name == "in") return py_contains(other(), v);
  if (name == "sameas") {
    Value o = other();
    if (v.is_none() || v.is_bool() || v.is_undefined()) return py_equal(v, o) && v.type() == o.type();
    return false;
  }
  (void)in;
  throw TemplateError("No test named '" + name + "'.");
}

namespace {

Value method(const Value& self, const std::string& name, NativeFn fn) {
  (void)self;
  return Value::callable(name, std::move(fn));
}

std::optional<std::string> opt_str(CallArgs& a, size_t i, const char* n) {
  const Value* v = arg(a, i, n);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw TemplateError("argument must be str or None");
  return v->as_string();
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& x) {
    if (!x.is_string()) throw TemplateError(std::string(prefix ? "startswith" : "endswith") +
                                            " first arg must be str or a tuple of str");
    const std::string& a = x.as_string();
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_tuple()) {
    for (const auto& x : affix.as_list())
      if (one(x)) return true;
    return false;
  }
  return one(affix);
}

List strings(const std::vector<std::string>& parts) {
  List out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back(Value::string(p));
  return out;
}

bool all_of_cps(const std::string& s, bool (*pred)(char32_t)) {
  auto cps = utf8_decode(s);
  if (cps.empty()) return false;
  for (char32_t c : cps)
    if (!pred(c)) return false;
  return true;
}

}  // namespace

Value bound_method(const Value& obj, const std::string& name) {
  if (obj.is_string()) {
    const std::string s = obj.as_string();
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      bool l = name != "rstrip", r = name != "lstrip";
      return method(obj, name, [s, l, r](Interpreter&, CallArgs& a) {
        return Value::string(py_strip(s, opt_str(a, 0, "chars"), l, r));
      });
    }
    if (name == "split" || name == "rsplit") {
      bool rev = name == "rsplit";
      return method(obj, name, [s, rev](Interpreter&, CallArgs& a) {
        auto sep = opt_str(a, 0, "sep");
        if (sep && sep->empty()) throw TemplateError("empty separator");
        std::int64_t maxsplit = arg_int(a, 1, "maxsplit", -1);
        return Value::list(strings(rev ? py_rsplit(s, sep, maxsplit) : py_split(s, sep, maxsplit)));
      });
    }
    if (name == "splitlines")
      return method(obj, name, [s](Interpreter&, CallArgs& a) {
        return Value::list(strings(py_splitlines(s, arg_bool(a, 0, "keepends", false))));
      });
    if (name == "startswith" || name == "endswith") {
      bool prefix = name == "startswith";
      return method(obj, name, [s, prefix](Interpreter&, CallArgs& a) {
        const Value* x = arg(a, 0, nullptr);
        if (!x) throw TemplateError("startswith/endswith takes at least 1 argument");
        return Value::boolean(affix_match(s, *x, prefix));
      });
    }
    if (name == "upper") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::string(py_upper(s)); });
    if (name == "lower") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::string(py_lower(s)); });
    if (name == "title") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::string(py_title(s)); });
    if (name == "capitalize")
      return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::string(py_capitalize(s)); });
    if (name == "swapcase")
      return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::string(py_swapcase(s)); });
    if (name == "replace")
      return method(obj, name, [s](Interpreter& in, CallArgs& a) {
        const Value* o = arg(a, 0, nullptr);
        const Value* n = arg(a, 1, nullptr);
        if (!o || !n || !o->is_string() || !n->is_string()) throw TemplateError("replace() arguments must be str");
        std::string out = py_replace(s, o->as_string(), n->as_string(), arg_int(a, 2, "count", -1));
        in.charge(out.size());
        return Value::string(std::move(out));
      });
    if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
      bool rev = name[0] == 'r';
      bool raise = name.find("index") != std::string::npos;
      return method(obj, name, [s, rev, raise](Interpreter&, CallArgs& a) {
        const Value* x = arg(a, 0, nullptr);
        if (!x || !x->is_string()) throw TemplateError("must be str");
        std::int64_t r = py_find(s, x->as_string(), rev);
        if (r < 0 && raise) throw TemplateError("substring not found");
        return Value::integer(r);
      });
    }
    if (name == "count")
      return method(obj, name, [s](Interpreter&, CallArgs& a) {
        const Value* x = arg(a, 0, nullptr);
        if (!x || !x->is_string()) throw TemplateError("must be str");
        return Value::integer(py_count(s, x->as_string()));
      });
    if (name == "join")
      return method(obj, name, [s](Interpreter& in, CallArgs& a) {
        const Value* x = arg(a, 0, nullptr);
        if (!x) throw TemplateError("join() takes exactly one argument");
        std::string out;
        bool first = true;
        for (const auto& item : iterate(*x)) {
          if (!item.is_string()) throw TemplateError("sequence item: expected str instance, " + type_name(item) + " found");
          if (!first) out += s;
          first = false;
          out += item.as_string();
        }
        in.charge(out.size());
        return Value::string(std::move(out));
      });
    if (name == "isdigit") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::boolean(all_of_cps(s, py_isdigit)); });
    if (name == "isalpha") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::boolean(all_of_cps(s, py_isalpha)); });
    if (name == "isalnum") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::boolean(all_of_cps(s, py_isalnum)); });
    if (name == "isspace") return method(obj, name, [s](Interpreter&, CallArgs&) { return Value::boolean(all_of_cps(s, py_isspace)); });
    if (name == "islower" || name == "isupper") {
      bool lower = name == "islower";
      return method(obj, name, [s, lower](Interpreter&, CallArgs&) {
        return Value::boolean(lower ? py_str_islower(s) : py_str_isupper(s));
      });
    }
    if (name == "format")
      return method(obj, name, [s](Interpreter& in, CallArgs& a) {
        // str.format with plain {} / {0} / {name} fields (no format specs or conversions).
        std::string out;
        size_t auto_idx = 0;
        for (size_t i = 0; i < s.size(); ++i) {
          char c = s[i];
          if (c == '{' && i + 1 < s.size() && s[i + 1] == '{') { out += '{'; ++i; continue; }
          if (c == '}' && i + 1 < s.size() && s[i + 1] == '}') { out += '}'; ++i; continue; }
          if (c != '{') { out += c; continue; }
          size_t e = s.find('}', i);
          if (e == std::string::npos) throw TemplateError("Single '{' encountered in format string");
          std::string field = s.substr(i + 1, e - i - 1);
          if (field.find_first_of(":!") != std::string::npos)
            throw TemplateError("format specs are not supported in str.format");
          const Value* v = nullptr;
          if (field.empty()) v = arg(a, auto_idx++, nullptr);
          else if (std::all_of(field.begin(), field.end(), ::isdigit)) v = arg(a, std::stoul(field), nullptr);
          else
            for (auto& kv : a.keyword)
              if (kv.first == field) v = &kv.second;
          if (!v) throw TemplateError("Replacement index out of range for positional args tuple");
          out += py_str(*v);
          i = e;
        }
        in.charge(out.size());
        return Value::string(std::move(out));
      });
    return Value::undefined();
  }
  if (obj.is_dict() && !obj.is_namespace()) {
    if (name == "items" || name == "keys" || name == "values") {
      int which = name == "items" ? 0 : name == "keys" ? 1 : 2;
      return method(obj, name, [obj, which](Interpreter&, CallArgs&) {
        List out;
        for (const auto& kv : obj.as_dict().items) {
          if (which == 0) out.push_back(Value::list({Value::string(kv.first), kv.second}, true));
          else if (which == 1) out.push_back(Value::string(kv.first));
          else out.push_back(kv.second);
        }
        return Value::list(std::move(out));
      });
    }
    if (name == "get")
      return method(obj, name, [obj](Interpreter&, CallArgs& a) {
        const Value* k = arg(a, 0, nullptr);
        if (!k) throw TemplateError("get expected at least 1 argument, got 0");
        if (k->is_string())
          if (const Value* v = obj.as_dict().find(k->as_string())) return *v;
        const Value* d = arg(a, 1, nullptr);
        return d ? *d : Value::none();
      });
    if (name == "copy") return method(obj, name, [obj](Interpreter&, CallArgs&) { return Value::dict(obj.as_dict()); });
    if (name == "pop" || name == "popitem" || name == "setdefault" || name == "update" || name == "clear")
      return Value::undefined("access to attribute '" + name + "' of 'dict' object is unsafe.");
    return Value::undefined();
  }
  if (obj.is_list()) {
    if (name == "index" || name == "count") {
      bool idx = name == "index";
      return method(obj, name, [obj, idx](Interpreter&, CallArgs& a) {
        const Value* x = arg(a, 0, nullptr);
        if (!x) throw TemplateError("takes exactly one argument");
        std::int64_t n = 0;
        const auto& items = obj.as_list();
        for (size_t i = 0; i < items.size(); ++i)
          if (py_equal(items[i], *x)) {
            if (idx) return Value::integer(static_cast<std::int64_t>(i));
            ++n;
          }
        if (idx) throw TemplateError(py_repr(*x) + " is not in list");
        return Value::integer(n);
      });
    }
    if (!obj.is_tuple() && (name == "append" || name == "extend" || name == "insert" || name == "pop" ||
                            name == "remove" || name == "reverse" || name == "sort" || name == "clear"))
      return Value::undefined("access to attribute '" + name + "' of 'list' object is unsafe.");
    return Value::undefined();
  }
  return Value::undefined();
}

}  // namespace lighteval::jinja::detail
