// template/interp: walks a parsed template with jinja2's semantics (scopes, loops, macros,
// undefined values, attribute/item lookup as the immutable sandbox allows) and bounded work.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "template/ast.h"

namespace lighteval::jinja::detail {

struct Frame {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Frame> parent;
};

enum class Flow { Normal, Break, Continue };

class Interpreter {
 public:
  Interpreter(const Options& options, const Json& context);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  std::string render(const Program& program);
  Value eval(const Expr& e);

  // Python-level operations the builtins share.
  Value get_attr(const Value& obj, const std::string& name);
  Value get_item(const Value& obj, const Value& key);
  Value call(const Value& fn, CallArgs& args);
  Value filter(const std::string& name, const Value& value, CallArgs& args);
  bool test(const std::string& name, const Value& value, CallArgs& args);
  // Counts bytes produced by string-building operations; throws past the render budget.
  void charge(size_t bytes);
  // Counts one loop iteration or call; throws past the render budget.
  void step();
  void check_stack() const;
  // Remembers a namespace so its contents are released after rendering: templates can make
  // reference cycles (`set ns.self = ns`, macros stored in the scope they close over).
  void track_namespace(const Value& ns) { namespaces_.push_back(ns); }
  const Options& options() const { return options_; }

 private:
  Flow exec(const Body& body, std::string& out);
  Flow exec_node(const Node& n, std::string& out);
  Flow exec_for(const Node& n, std::string& out);
  void assign(const Target& t, const Value& v);
  Value lookup(const std::string& name) const;
  Value eval_binary(const std::string& op, const Value& a, const Value& b);
  Value eval_call(const Expr& e);
  void collect_args(const Expr& e, CallArgs& args);
  Value apply_filter_chain(const std::vector<ExprPtr>& filters, Value v);
  Value make_macro(const Node& n, std::shared_ptr<Frame> closure, Value caller);
  Value slice(const Value& obj, const Expr& s);

  void push_frame();
  void pop_frame();

  Options options_;
  std::shared_ptr<Frame> frame_;
  Dict globals_;
  int depth_ = 0;
  size_t charged_ = 0;
  size_t iterations_ = 0;
  std::uintptr_t stack_base_ = 0;
  std::vector<std::shared_ptr<Frame>> closures_;
  std::vector<Value> namespaces_;
  friend struct DepthScope;
};

// Builtins (builtins.cpp).
Dict make_globals(const Options& options);
Value call_filter(Interpreter& in, const std::string& name, const Value& value, CallArgs& args);
bool call_test(Interpreter& in, const std::string& name, const Value& value, CallArgs& args);
// A bound method of a str/dict/list, or Undefined when there is none (or it is unsafe).
Value bound_method(const Value& obj, const std::string& name);

// Argument helpers for natives.
const Value* arg(CallArgs& args, size_t index, const char* name);
std::string arg_str(CallArgs& args, size_t index, const char* name, const std::string& fallback);
std::int64_t arg_int(CallArgs& args, size_t index, const char* name, std::int64_t fallback);
bool arg_bool(CallArgs& args, size_t index, const char* name, bool fallback);

}  // namespace lighteval::jinja::detail
