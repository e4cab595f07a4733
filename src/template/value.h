// template/value: the dynamic values a Jinja template computes with, modelled on the Python
// objects jinja2 sees (str, int, float, bool, None, list, tuple, dict, callables, Undefined), with
// Python's printing (str/repr), truthiness, equality and ordering.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/jinja.h"

namespace lighteval::jinja::detail {

class Value;
using List = std::vector<Value>;

// An insertion-ordered string-keyed dictionary (Python dicts keep insertion order).
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(const std::string& key) const;
  Value* find(const std::string& key);
  void set(const std::string& key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

class Interpreter;
using NativeFn = std::function<Value(Interpreter&, CallArgs&)>;
struct Callable {
  std::string name;
  NativeFn fn;
};

enum class Type : std::uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Callable };

class Value {
 public:
  Value() = default;  // Undefined
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  static Value number(double d);
  static Value string(std::string s);
  static Value list(List items, bool tuple = false);
  static Value dict(Dict d = {}, bool is_namespace = false);
  static Value callable(std::string name, NativeFn fn);
  static Value from_json(const Json& j);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::Undefined; }
  bool is_none() const { return type_ == Type::None; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_float() const { return type_ == Type::Float; }
  bool is_number() const { return type_ == Type::Int || type_ == Type::Float || type_ == Type::Bool; }
  bool is_string() const { return type_ == Type::String; }
  bool is_list() const { return type_ == Type::List; }
  bool is_tuple() const { return type_ == Type::List && flag_; }
  bool is_dict() const { return type_ == Type::Dict; }
  bool is_namespace() const { return type_ == Type::Dict && flag_; }
  bool is_callable() const { return type_ == Type::Callable; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return type_ == Type::Bool ? (b_ ? 1 : 0) : i_; }
  double as_float() const;  // any number
  const std::string& as_string() const { return s_; }
  const std::string& undefined_hint() const { return s_; }
  const List& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }
  Dict& mutable_dict() const { return *dict_; }  // namespaces are mutable, shared by reference
  const Callable& as_callable() const { return *fn_; }

  bool truthy() const;
  Json to_json() const;  // undefined -> null, tuples -> arrays, callables -> their name

 private:
  Type type_ = Type::Undefined;
  bool flag_ = false;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Callable> fn_;
};

// Python-style type name used in error messages ("dict object", "str object", ...).
std::string type_name(const Value& v);
// Raises the UndefinedError jinja2 would raise when an undefined value is used.
[[noreturn]] void throw_undefined(const Value& v);

std::string py_str(const Value& v);   // str(v); Undefined -> ""
std::string py_repr(const Value& v);  // repr(v)
bool py_equal(const Value& a, const Value& b);
// a < b as Python orders it; TemplateError for incomparable types.
bool py_less(const Value& a, const Value& b);
bool py_contains(const Value& container, const Value& item);  // item in container

// json.dumps(v, ensure_ascii=..., indent=..., separators=...) as CPython writes it.
struct JsonStyle {
  bool ensure_ascii = false;
  int indent = -1;  // -1: no newlines
  std::string indent_str;  // used when indent given as a string
  bool indent_is_string = false;
  std::string item_sep = ", ";
  std::string key_sep = ": ";
  bool sort_keys = false;
};
std::string py_json_dumps(const Value& v, const JsonStyle& style);

// Items of an iterable (list/tuple elements, dict keys, string characters); Undefined -> empty.
List iterate(const Value& v);
std::int64_t py_len(const Value& v);

}  // namespace lighteval::jinja::detail
