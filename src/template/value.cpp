#include "template/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "template/pystr.h"
#include "util/py_float.h"

namespace lighteval::jinja::detail {

const Value* Dict::find(const std::string& key) const {
  for (const auto& kv : items)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
Value* Dict::find(const std::string& key) {
  for (auto& kv : items)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
void Dict::set(const std::string& key, Value value) {
  if (Value* v = find(key)) *v = std::move(value);
  else items.emplace_back(key, std::move(value));
}

Value Value::undefined(std::string hint) {
  Value v;
  v.s_ = std::move(hint);
  return v;
}
Value Value::none() {
  Value v;
  v.type_ = Type::None;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::Bool;
  v.b_ = b;
  return v;
}
Value Value::integer(std::int64_t i) {
  Value v;
  v.type_ = Type::Int;
  v.i_ = i;
  return v;
}
Value Value::number(double d) {
  Value v;
  v.type_ = Type::Float;
  v.d_ = d;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::String;
  v.s_ = std::move(s);
  return v;
}
Value Value::list(List items, bool tuple) {
  Value v;
  v.type_ = Type::List;
  v.flag_ = tuple;
  v.list_ = std::make_shared<List>(std::move(items));
  return v;
}
Value Value::dict(Dict d, bool is_namespace) {
  Value v;
  v.type_ = Type::Dict;
  v.flag_ = is_namespace;
  v.dict_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::callable(std::string name, NativeFn fn) {
  Value v;
  v.type_ = Type::Callable;
  v.fn_ = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

Value Value::from_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return none();
    case Json::value_t::boolean: return boolean(j.get<bool>());
    case Json::value_t::number_integer: return integer(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return number(static_cast<double>(u));
      return integer(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float: return number(j.get<double>());
    case Json::value_t::string: return string(j.get<std::string>());
    case Json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case Json::value_t::object: {
      Dict d;
      d.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d.items.emplace_back(it.key(), from_json(it.value()));
      return dict(std::move(d));
    }
    default: return none();
  }
}

double Value::as_float() const {
  switch (type_) {
    case Type::Float: return d_;
    case Type::Int: return static_cast<double>(i_);
    case Type::Bool: return b_ ? 1.0 : 0.0;
    default: return 0.0;
  }
}

bool Value::truthy() const {
  switch (type_) {
    case Type::Undefined: case Type::None: return false;
    case Type::Bool: return b_;
    case Type::Int: return i_ != 0;
    case Type::Float: return d_ != 0.0;
    case Type::String: return !s_.empty();
    case Type::List: return !list_->empty();
    case Type::Dict: return flag_ || !dict_->items.empty();
    case Type::Callable: return true;
  }
  return false;
}

Json Value::to_json() const {
  switch (type_) {
    case Type::Undefined: case Type::None: return nullptr;
    case Type::Bool: return b_;
    case Type::Int: return i_;
    case Type::Float: return d_;
    case Type::String: return s_;
    case Type::List: {
      Json arr = Json::array();
      for (const auto& e : *list_) arr.push_back(e.to_json());
      return arr;
    }
    case Type::Dict: {
      Json obj = Json::object();
      for (const auto& kv : dict_->items) obj[kv.first] = kv.second.to_json();
      return obj;
    }
    case Type::Callable: return fn_->name;
  }
  return nullptr;
}

std::string type_name(const Value& v) {
  switch (v.type()) {
    case Type::Undefined: return "Undefined";
    case Type::None: return "None";
    case Type::Bool: return "bool object";
    case Type::Int: return "int object";
    case Type::Float: return "float object";
    case Type::String: return "str object";
    case Type::List: return v.is_tuple() ? "tuple object" : "list object";
    case Type::Dict: return v.is_namespace() ? "jinja2.utils.Namespace object" : "dict object";
    case Type::Callable: return "builtin_function_or_method object";
  }
  return "object";
}

void throw_undefined(const Value& v) {
  throw TemplateError(v.undefined_hint().empty() ? std::string("undefined value") : v.undefined_hint());
}

std::string py_repr(const Value& v) {
  switch (v.type()) {
    case Type::Undefined: return "Undefined";
    case Type::String: return py_str_repr(v.as_string());
    case Type::List: {
      std::string out = v.is_tuple() ? "(" : "[";
      const auto& items = v.as_list();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += py_repr(items[i]);
      }
      if (v.is_tuple() && items.size() == 1) out += ",";
      return out + (v.is_tuple() ? ")" : "]");
    }
    case Type::Dict: {
      std::string out = v.is_namespace() ? "<Namespace {" : "{";
      bool first = true;
      for (const auto& kv : v.as_dict().items) {
        if (!first) out += ", ";
        first = false;
        out += py_str_repr(kv.first) + ": " + py_repr(kv.second);
      }
      return out + (v.is_namespace() ? "}>" : "}");
    }
    default: return py_str(v);
  }
}

std::string py_str(const Value& v) {
  switch (v.type()) {
    case Type::Undefined: return "";
    case Type::None: return "None";
    case Type::Bool: return v.as_bool() ? "True" : "False";
    case Type::Int: return std::to_string(v.as_int());
    case Type::Float: return py_float_repr(v.as_float());
    case Type::String: return v.as_string();
    case Type::Callable: return "<built-in function " + v.as_callable().name + ">";
    default: return py_repr(v);
  }
}

bool py_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) return a.as_int() == b.as_int();
    return a.as_float() == b.as_float();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Undefined: case Type::None: return true;
    case Type::String: return a.as_string() == b.as_string();
    case Type::List: {
      if (a.is_tuple() != b.is_tuple()) return false;
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!py_equal(x[i], y[i])) return false;
      return true;
    }
    case Type::Dict: {
      if (a.is_namespace() || b.is_namespace()) return &a.as_dict() == &b.as_dict();
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& kv : x.items) {
        const Value* o = y.find(kv.first);
        if (!o || !py_equal(kv.second, *o)) return false;
      }
      return true;
    }
    case Type::Callable: return &a.as_callable() == &b.as_callable();
    default: return false;
  }
}

static std::string py_type_word(const Value& v) {
  std::string t = type_name(v);
  auto sp = t.find(' ');
  return sp == std::string::npos ? t : t.substr(0, sp);
}

bool py_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) return a.as_int() < b.as_int();
    return a.as_float() < b.as_float();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 order = code point order
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return py_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  if (a.is_undefined()) throw_undefined(a);
  if (b.is_undefined()) throw_undefined(b);
  throw TemplateError("'<' not supported between instances of '" + py_type_word(a) + "' and '" +
                      py_type_word(b) + "'");
}

bool py_contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case Type::String:
      if (!item.is_string())
        throw TemplateError("'in <string>' requires string as left operand, not " + py_type_word(item));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Type::List:
      for (const auto& e : container.as_list())
        if (py_equal(e, item)) return true;
      return false;
    case Type::Dict:
      return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
    case Type::Undefined:
      return false;
    default:
      throw TemplateError("argument of type '" + py_type_word(container) + "' is not iterable");
  }
}

List iterate(const Value& v) {
  switch (v.type()) {
    case Type::Undefined: return {};
    case Type::List: return v.as_list();
    case Type::Dict: {
      if (v.is_namespace()) break;
      List keys;
      keys.reserve(v.as_dict().items.size());
      for (const auto& kv : v.as_dict().items) keys.push_back(Value::string(kv.first));
      return keys;
    }
    case Type::String: {
      List chars;
      std::string one;
      for (char32_t c : utf8_decode(v.as_string())) {
        one.clear();
        utf8_append(one, c);
        chars.push_back(Value::string(one));
      }
      return chars;
    }
    default: break;
  }
  throw TemplateError("'" + py_type_word(v) + "' object is not iterable");
}

std::int64_t py_len(const Value& v) {
  switch (v.type()) {
    case Type::Undefined: return 0;
    case Type::String: return utf8_length(v.as_string());
    case Type::List: return static_cast<std::int64_t>(v.as_list().size());
    case Type::Dict:
      if (!v.is_namespace()) return static_cast<std::int64_t>(v.as_dict().items.size());
      break;
    default: break;
  }
  throw TemplateError("object of type '" + py_type_word(v) + "' has no len()");
}

namespace {
void json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  auto u4 = [&](unsigned x) {
    out += "\\u";
    for (int sh = 12; sh >= 0; sh -= 4) out.push_back(hex[(x >> sh) & 15]);
  };
  for (char32_t c : utf8_decode(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
          if (c >= 0x10000 && !(c >= 0xDC80 && c <= 0xDCFF)) {
            char32_t v = c - 0x10000;
            u4(0xD800 | (v >> 10));
            u4(0xDC00 | (v & 0x3FF));
          } else {
            u4(static_cast<unsigned>(c));
          }
        } else {
          utf8_append(out, c);
        }
    }
  }
  out.push_back('"');
}

void json_dump(std::string& out, const Value& v, const JsonStyle& st, int level) {
  auto newline = [&](int lvl) {
    out.push_back('\n');
    if (st.indent_is_string) {
      for (int i = 0; i < lvl; ++i) out += st.indent_str;
    } else {
      out.append(static_cast<size_t>(st.indent) * lvl, ' ');
    }
  };
  bool pretty = st.indent >= 0 || st.indent_is_string;
  switch (v.type()) {
    case Type::None: out += "null"; return;
    case Type::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Type::Int: out += std::to_string(v.as_int()); return;
    case Type::Float: {
      double d = v.as_float();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out += py_float_repr(d);
      return;
    }
    case Type::String: json_string(out, v.as_string(), st.ensure_ascii); return;
    case Type::List: {
      const auto& items = v.as_list();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += st.item_sep;
        if (pretty) newline(level + 1);
        json_dump(out, items[i], st, level + 1);
      }
      if (pretty) newline(level);
      out.push_back(']');
      return;
    }
    case Type::Dict: {
      if (v.is_namespace()) break;
      std::vector<const std::pair<std::string, Value>*> items;
      for (const auto& kv : v.as_dict().items) items.push_back(&kv);
      if (st.sort_keys)
        std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
      if (items.empty()) {
        out += "{}";
        return;
      }
      out.push_back('{');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += st.item_sep;
        if (pretty) newline(level + 1);
        json_string(out, items[i]->first, st.ensure_ascii);
        out += st.key_sep;
        json_dump(out, items[i]->second, st, level + 1);
      }
      if (pretty) newline(level);
      out.push_back('}');
      return;
    }
    default: break;
  }
  std::string tn = v.is_undefined() ? "Undefined" : v.is_namespace() ? "Namespace" : py_type_word(v);
  throw TemplateError("Object of type " + tn + " is not JSON serializable");
}
}  // namespace

std::string py_json_dumps(const Value& v, const JsonStyle& style) {
  std::string out;
  json_dump(out, v, style, 0);
  return out;
}

}  // namespace lighteval::jinja::detail
