#include "template/interp.h"

#include <cmath>
#include <limits>

#include "template/pystr.h"

namespace lighteval::jinja::detail {
namespace {
constexpr int kMaxCallDepth = 100;
constexpr size_t kMaxProducedBytes = size_t{256} << 20;  // total string bytes built by one render
constexpr std::uintptr_t kMaxStackBytes = std::uintptr_t{1} << 20;
constexpr size_t kMaxSteps = 1'000'000;  // loop iterations + calls of one render

std::string word(const Value& v) {
  std::string t = type_name(v);
  auto sp = t.find(' ');
  return sp == std::string::npos ? t : t.substr(0, sp);
}

[[noreturn]] void type_error(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) throw_undefined(a);
  if (b.is_undefined()) throw_undefined(b);
  throw TemplateError("unsupported operand type(s) for " + op + ": '" + word(a) + "' and '" + word(b) + "'");
}

std::int64_t checked(bool overflow, std::int64_t v) {
  if (overflow) throw TemplateError("integer overflow (lighteval-cpp templates use 64-bit integers)");
  return v;
}

// Arithmetic with overflow detection (Python ints are unbounded; ours are 64-bit).
std::int64_t add_i(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  bool o = __builtin_add_overflow(a, b, &r);
  return checked(o, r);
}
std::int64_t sub_i(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  bool o = __builtin_sub_overflow(a, b, &r);
  return checked(o, r);
}
std::int64_t mul_i(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  bool o = __builtin_mul_overflow(a, b, &r);
  return checked(o, r);
}

std::int64_t floordiv(std::int64_t a, std::int64_t b) {
  if (b == 0) throw TemplateError("integer division or modulo by zero");
  if (a == std::numeric_limits<std::int64_t>::min() && b == -1) checked(true, 0);
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t pymod(std::int64_t a, std::int64_t b) {
  if (b == 0) throw TemplateError("integer division or modulo by zero");
  if (b == -1) return 0;
  std::int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double pyfmod(double a, double b) {
  if (b == 0) throw TemplateError("float modulo");
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// Python's normalisation of slice bounds.
void slice_indices(std::int64_t len, const Value* start, const Value* stop, std::int64_t step,
                   std::int64_t& b, std::int64_t& e) {
  auto norm = [&](const Value* v, std::int64_t def, bool is_start) {
    if (!v || v->is_none()) return def;
    if (!(v->is_int() || v->is_bool())) throw TemplateError("slice indices must be integers or None");
    std::int64_t x = v->as_int();
    if (x < 0) {
      x += len;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= len) {
      x = step < 0 ? len - 1 : len;
    }
    (void)is_start;
    return x;
  };
  b = norm(start, step < 0 ? len - 1 : 0, true);
  e = norm(stop, step < 0 ? -1 : len, false);
}
}  // namespace

void Interpreter::check_stack() const {
  // Rendering recurses (macros, nested blocks, expressions); stop well before the thread's
  // stack is exhausted, whatever the shape of the template.
  auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (stack_base_ > here && stack_base_ - here > kMaxStackBytes)
    throw TemplateError("template nesting or recursion is too deep");
}

void Interpreter::step() {
  if (++iterations_ > kMaxSteps) throw TemplateError("template exceeds 1,000,000 loop iterations and calls");
}

struct DepthScope {
  explicit DepthScope(Interpreter& in) : in_(in) {
    in_.step();
    if (++in_.depth_ > kMaxCallDepth) throw TemplateError("maximum recursion depth exceeded in template");
  }
  ~DepthScope() { --in_.depth_; }
  Interpreter& in_;
};

Interpreter::Interpreter(const Options& options, const Json& context) : options_(options) {
  globals_ = make_globals(options);
  auto ctx = std::make_shared<Frame>();
  if (context.is_object())
    for (auto it = context.begin(); it != context.end(); ++it) ctx->vars[it.key()] = Value::from_json(it.value());
  frame_ = std::make_shared<Frame>();
  frame_->parent = ctx;
}

Interpreter::~Interpreter() {
  // Break the cycles macros and namespaces can form (frame -> macro -> frame).
  for (auto& f : closures_) f->vars.clear();
  for (auto& ns : namespaces_) ns.mutable_dict().items.clear();
}

void Interpreter::charge(size_t bytes) {
  charged_ += bytes;
  if (charged_ > kMaxProducedBytes) throw TemplateError("template output exceeds the 256 MiB limit");
}

void Interpreter::push_frame() {
  auto f = std::make_shared<Frame>();
  f->parent = frame_;
  frame_ = f;
}
void Interpreter::pop_frame() { frame_ = frame_->parent; }

Value Interpreter::lookup(const std::string& name) const {
  for (const Frame* f = frame_.get(); f; f = f->parent.get()) {
    auto it = f->vars.find(name);
    if (it != f->vars.end()) return it->second;
  }
  if (const Value* g = globals_.find(name)) return *g;
  return Value::undefined("'" + name + "' is undefined");
}

std::string Interpreter::render(const Program& program) {
  stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  std::string out;
  exec(program.body, out);
  return out;
}

Flow Interpreter::exec(const Body& body, std::string& out) {
  for (const auto& n : body) {
    Flow f = exec_node(*n, out);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

void Interpreter::assign(const Target& t, const Value& v) {
  if (!t.is_tuple) {
    if (!t.attr.empty()) {
      Value ns = lookup(t.name);
      if (!ns.is_namespace()) throw TemplateError("can only set attributes on namespace objects");
      ns.mutable_dict().set(t.attr, v);
      return;
    }
    frame_->vars[t.name] = v;
    return;
  }
  List items = iterate(v);
  if (items.size() > t.items.size())
    throw TemplateError("too many values to unpack (expected " + std::to_string(t.items.size()) + ")");
  if (items.size() < t.items.size())
    throw TemplateError("not enough values to unpack (expected " + std::to_string(t.items.size()) + ", got " +
                        std::to_string(items.size()) + ")");
  for (size_t i = 0; i < items.size(); ++i) assign(t.items[i], items[i]);
}

Flow Interpreter::exec_node(const Node& n, std::string& out) {
  check_stack();
  try {
    switch (n.kind) {
      case NodeKind::Text:
        charge(n.text.size());
        out += n.text;
        return Flow::Normal;
      case NodeKind::Output: {
        std::string s = py_str(eval(*n.expr));
        charge(s.size());
        out += s;
        return Flow::Normal;
      }
      case NodeKind::If:
        for (const auto& br : n.branches)
          if (eval(*br.first).truthy()) return exec(br.second, out);
        return exec(n.else_body, out);
      case NodeKind::For: return exec_for(n, out);
      case NodeKind::Set: assign(n.target, eval(*n.expr)); return Flow::Normal;
      case NodeKind::SetBlock: {
        std::string body;
        push_frame();
        try {
          exec(n.body, body);
        } catch (...) {
          pop_frame();
          throw;
        }
        pop_frame();
        assign(n.target, apply_filter_chain(n.filters, Value::string(std::move(body))));
        return Flow::Normal;
      }
      case NodeKind::Macro:
        frame_->vars[n.text] = make_macro(n, frame_, Value());
        return Flow::Normal;
      case NodeKind::CallBlock: {
        Value caller = make_macro(n, frame_, Value());
        const Expr& call = *n.expr;
        Value fn = eval(*call.a);
        CallArgs args;
        collect_args(call, args);
        args.keyword.emplace_back("caller", caller);
        std::string s = py_str(this->call(fn, args));
        charge(s.size());
        out += s;
        return Flow::Normal;
      }
      case NodeKind::FilterBlock: {
        std::string body;
        Flow f = exec(n.body, body);
        std::string s = py_str(apply_filter_chain(n.filters, Value::string(std::move(body))));
        charge(s.size());
        out += s;
        return f;
      }
      case NodeKind::Scope: {
        push_frame();
        Flow f;
        try {
          f = exec(n.body, out);
        } catch (...) {
          pop_frame();
          throw;
        }
        pop_frame();
        return f;
      }
      case NodeKind::Break: return Flow::Break;
      case NodeKind::Continue: return Flow::Continue;
    }
  } catch (const TemplateError& e) {
    if (e.line() == 0 && !e.raised_by_template() && n.line > 0) {
      throw TemplateError(e.message(), n.line, n.col);
    }
    throw;
  }
  return Flow::Normal;
}

Flow Interpreter::exec_for(const Node& n, std::string& out) {
  Value iterable = eval(*n.expr);
  List items = iterate(iterable);
  push_frame();
  struct PopGuard {
    Interpreter* in;
    ~PopGuard() { in->pop_frame(); }
  } guard{this};
  if (n.cond) {
    List kept;
    for (auto& item : items) {
      assign(n.target, item);
      if (eval(*n.cond).truthy()) kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    frame_->vars.clear();
    return exec(n.else_body, out) == Flow::Break ? Flow::Normal : Flow::Normal;
  }
  const std::int64_t len = static_cast<std::int64_t>(items.size());
  auto cycle_items = std::make_shared<List>();
  for (std::int64_t i = 0; i < len; ++i) {
    step();
    Dict loop;
    loop.items.reserve(12);
    loop.items.emplace_back("index", Value::integer(i + 1));
    loop.items.emplace_back("index0", Value::integer(i));
    loop.items.emplace_back("revindex", Value::integer(len - i));
    loop.items.emplace_back("revindex0", Value::integer(len - i - 1));
    loop.items.emplace_back("first", Value::boolean(i == 0));
    loop.items.emplace_back("last", Value::boolean(i == len - 1));
    loop.items.emplace_back("length", Value::integer(len));
    loop.items.emplace_back("depth", Value::integer(1));
    loop.items.emplace_back("depth0", Value::integer(0));
    loop.items.emplace_back("previtem", i > 0 ? items[static_cast<size_t>(i - 1)]
                                              : Value::undefined("there is no previous item"));
    loop.items.emplace_back("nextitem", i + 1 < len ? items[static_cast<size_t>(i + 1)]
                                                    : Value::undefined("there is no next item"));
    std::int64_t idx0 = i;
    loop.items.emplace_back("cycle", Value::callable("cycle", [idx0](Interpreter&, CallArgs& a) {
      if (a.positional.empty()) throw TemplateError("no items for cycling given");
      return a.positional[static_cast<size_t>(idx0) % a.positional.size()];
    }));
    // jinja2 gives every iteration a fresh scope: sets in the body do not carry over.
    frame_->vars.clear();
    frame_->vars["loop"] = Value::dict(std::move(loop));
    assign(n.target, items[static_cast<size_t>(i)]);
    Flow f = exec(n.body, out);
    if (f == Flow::Break) break;
  }
  return Flow::Normal;
}

Value Interpreter::apply_filter_chain(const std::vector<ExprPtr>& filters, Value v) {
  for (const auto& f : filters) {
    CallArgs args;
    collect_args(*f, args);
    v = filter(f->name, v, args);
  }
  return v;
}

Value Interpreter::make_macro(const Node& n, std::shared_ptr<Frame> closure, Value) {
  const Node* node = &n;
  closures_.push_back(closure);
  std::string name = n.kind == NodeKind::Macro ? n.text : "caller";
  return Value::callable(name, [node, closure, name](Interpreter& in, CallArgs& args) {
    DepthScope depth(in);
    auto saved = in.frame_;
    auto f = std::make_shared<Frame>();
    f->parent = closure;
    in.frame_ = f;
    struct Restore {
      Interpreter& in;
      std::shared_ptr<Frame> saved;
      ~Restore() { in.frame_ = saved; }
    } restore{in, saved};
    const auto& params = node->params;
    const bool strict = node->kind == NodeKind::Macro;  // caller() blocks accept anything
    if (strict && args.positional.size() > params.size() && !node->uses_varargs)
      throw TemplateError("macro '" + name + "' takes not more than " + std::to_string(params.size()) +
                          " argument(s)");
    if (args.positional.size() > params.size()) {
      List extra(args.positional.begin() + static_cast<std::ptrdiff_t>(params.size()), args.positional.end());
      f->vars["varargs"] = Value::list(std::move(extra), true);
    } else {
      f->vars["varargs"] = Value::list({}, true);
    }
    Dict extra_kw;
    for (size_t i = 0; i < params.size(); ++i) {
      const Value* given = i < args.positional.size() ? &args.positional[i] : nullptr;
      for (auto& kv : args.keyword)
        if (kv.first == params[i].name) {
          if (given) throw TemplateError("macro '" + name + "' got multiple values for argument '" + kv.first + "'");
          given = &kv.second;
        }
      if (given) f->vars[params[i].name] = *given;
      else if (params[i].default_value) f->vars[params[i].name] = in.eval(*params[i].default_value);
      else f->vars[params[i].name] = Value::undefined("parameter '" + params[i].name + "' was not provided");
    }
    for (auto& kv : args.keyword) {
      bool known = false;
      for (const auto& p : params) known = known || p.name == kv.first;
      if (kv.first == "caller" && !known) {
        if (strict && !node->uses_caller)
          throw TemplateError("macro '" + name + "' was invoked with two values for the special caller argument");
        f->vars["caller"] = kv.second;
        continue;
      }
      if (!known) {
        if (strict && !node->uses_kwargs)
          throw TemplateError("macro '" + name + "' takes no keyword argument '" + kv.first + "'");
        extra_kw.set(kv.first, kv.second);
      }
    }
    f->vars["kwargs"] = Value::dict(std::move(extra_kw));
    std::string out;
    in.exec(node->body, out);
    return Value::string(std::move(out));
  });
}

void Interpreter::collect_args(const Expr& e, CallArgs& args) {
  for (const auto& a : e.args) args.positional.push_back(eval(*a));
  for (const auto& kv : e.kwargs) args.keyword.emplace_back(kv.first, eval(*kv.second));
  if (e.star_args) {
    for (auto& v : iterate(eval(*e.star_args))) args.positional.push_back(v);
  }
  if (e.star_kwargs) {
    Value d = eval(*e.star_kwargs);
    if (!d.is_dict()) throw TemplateError("argument after ** must be a mapping");
    for (const auto& kv : d.as_dict().items) args.keyword.emplace_back(kv.first, kv.second);
  }
}

Value Interpreter::call(const Value& fn, CallArgs& args) {
  if (fn.is_undefined()) throw_undefined(fn);
  if (!fn.is_callable()) throw TemplateError("'" + word(fn) + "' object is not callable");
  step();
  return fn.as_callable().fn(*this, args);
}

Value Interpreter::filter(const std::string& name, const Value& value, CallArgs& args) {
  return call_filter(*this, name, value, args);
}

bool Interpreter::test(const std::string& name, const Value& value, CallArgs& args) {
  return call_test(*this, name, value, args);
}

Value Interpreter::get_attr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) throw_undefined(obj);
  if (obj.is_namespace()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
    return Value::undefined("'" + type_name(obj) + "' has no attribute '" + name + "'");
  }
  Value m = bound_method(obj, name);
  if (!m.is_undefined() || !m.undefined_hint().empty()) return m;
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  return Value::undefined("'" + type_name(obj) + "' has no attribute '" + name + "'");
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) throw_undefined(obj);
  if (obj.is_dict() && !obj.is_namespace()) {
    if (key.is_string()) {
      if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
      Value m = bound_method(obj, key.as_string());
      if (m.is_callable()) return m;
      return Value::undefined("'" + type_name(obj) + "' has no attribute '" + key.as_string() + "'");
    }
    return Value::undefined("'" + type_name(obj) + "' has no attribute " + py_repr(key));
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    std::int64_t len = py_len(obj);
    std::int64_t i = key.as_int();
    if (i < 0) i += len;
    if (i < 0 || i >= len) return Value::undefined(type_name(obj) + " has no element " + py_repr(key));
    if (obj.is_list()) return obj.as_list()[static_cast<size_t>(i)];
    auto cps = utf8_decode(obj.as_string());
    std::string one;
    utf8_append(one, cps[static_cast<size_t>(i)]);
    return Value::string(one);
  }
  if (key.is_string()) return get_attr(obj, key.as_string());
  return Value::undefined(type_name(obj) + " has no element " + py_repr(key));
}

Value Interpreter::slice(const Value& obj, const Expr& s) {
  if (obj.is_undefined()) throw_undefined(obj);
  Value start = s.a ? eval(*s.a) : Value::none();
  Value stop = s.b ? eval(*s.b) : Value::none();
  Value stepv = s.c ? eval(*s.c) : Value::none();
  std::int64_t step = 1;
  if (!stepv.is_none()) {
    if (!(stepv.is_int() || stepv.is_bool())) throw TemplateError("slice indices must be integers or None");
    step = stepv.as_int();
    if (step == 0) throw TemplateError("slice step cannot be zero");
  }
  if (!obj.is_list() && !obj.is_string())
    return Value::undefined(type_name(obj) + " has no element slice");
  std::int64_t len = py_len(obj), b, e;
  slice_indices(len, &start, &stop, step, b, e);
  std::vector<size_t> idx;
  if (step > 0)
    for (std::int64_t i = b; i < e; i += step) idx.push_back(static_cast<size_t>(i));
  else
    for (std::int64_t i = b; i > e; i += step) idx.push_back(static_cast<size_t>(i));
  if (obj.is_list()) {
    List out;
    out.reserve(idx.size());
    for (size_t i : idx) out.push_back(obj.as_list()[i]);
    return Value::list(std::move(out), obj.is_tuple());
  }
  auto cps = utf8_decode(obj.as_string());
  std::string out;
  for (size_t i : idx) utf8_append(out, cps[i]);
  return Value::string(std::move(out));
}

Value Interpreter::eval(const Expr& e) {
  if (stack_base_ == 0) stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  check_stack();
  switch (e.kind) {
    case ExprKind::Literal: return e.literal;
    case ExprKind::Name: return lookup(e.name);
    case ExprKind::List:
    case ExprKind::Tuple: {
      List items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval(*a));
      return Value::list(std::move(items), e.kind == ExprKind::Tuple);
    }
    case ExprKind::Dict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Value k = eval(*e.args[i]);
        if (!k.is_string()) throw TemplateError("dictionary keys must be strings in lighteval-cpp templates");
        d.set(k.as_string(), eval(*e.args[i + 1]));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr: return get_attr(eval(*e.a), e.name);
    case ExprKind::GetItem: {
      Value obj = eval(*e.a);
      if (e.b->kind == ExprKind::Slice) return slice(obj, *e.b);
      return get_item(obj, eval(*e.b));
    }
    case ExprKind::Slice: throw TemplateError("slice outside of a subscript");
    case ExprKind::Call: return eval_call(e);
    case ExprKind::Filter: {
      Value v = e.a ? eval(*e.a) : Value();
      CallArgs args;
      collect_args(e, args);
      return filter(e.name, v, args);
    }
    case ExprKind::Test: {
      Value v = eval(*e.a);
      CallArgs args;
      collect_args(e, args);
      bool r = test(e.name, v, args);
      return Value::boolean(e.negated ? !r : r);
    }
    case ExprKind::Not: return Value::boolean(!eval(*e.a).truthy());
    case ExprKind::Neg:
    case ExprKind::Pos: {
      Value v = eval(*e.a);
      if (v.is_int() || v.is_bool()) {
        if (e.kind == ExprKind::Pos) return Value::integer(v.as_int());
        return Value::integer(checked(v.as_int() == std::numeric_limits<std::int64_t>::min(), -v.as_int()));
      }
      if (v.is_float()) return Value::number(e.kind == ExprKind::Neg ? -v.as_float() : v.as_float());
      if (v.is_undefined()) throw_undefined(v);
      throw TemplateError(std::string("bad operand type for unary ") + (e.kind == ExprKind::Neg ? "-" : "+") +
                          ": '" + word(v) + "'");
    }
    case ExprKind::Binary: {
      return eval_binary(e.name, eval(*e.a), eval(*e.b));
    }
    case ExprKind::And: {
      Value a = eval(*e.a);
      return a.truthy() ? eval(*e.b) : a;
    }
    case ExprKind::Or: {
      Value a = eval(*e.a);
      return a.truthy() ? a : eval(*e.b);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.a);
      for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.args[i]);
        const std::string& op = e.ops[i];
        bool r;
        if (op == "==") r = py_equal(left, right);
        else if (op == "!=") r = !py_equal(left, right);
        else if (op == "<") r = py_less(left, right);
        else if (op == ">") r = py_less(right, left);
        else if (op == "<=") r = py_less(left, right) || py_equal(left, right);
        else if (op == ">=") r = py_less(right, left) || py_equal(left, right);
        else if (op == "in") r = py_contains(right, left);
        else r = !py_contains(right, left);
        if (!r) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case ExprKind::CondExpr: {
      if (eval(*e.b).truthy()) return eval(*e.a);
      if (e.c) return eval(*e.c);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

Value Interpreter::eval_call(const Expr& e) {
  Value fn = eval(*e.a);
  CallArgs args;
  collect_args(e, args);
  return call(fn, args);
}

Value Interpreter::eval_binary(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string s = py_str(a) + py_str(b);
    charge(s.size());
    return Value::string(std::move(s));
  }
  bool ints = (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
  bool nums = a.is_number() && b.is_number();
  if (op == "+") {
    if (ints) return Value::integer(add_i(a.as_int(), b.as_int()));
    if (nums) return Value::number(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      charge(a.as_string().size() + b.as_string().size());
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      charge(out.size() * sizeof(Value));
      return Value::list(std::move(out), a.is_tuple());
    }
    if (a.is_string() && !b.is_undefined() && !a.is_undefined())
      throw TemplateError("can only concatenate str (not \"" + word(b) + "\") to str");
    type_error("+", a, b);
  }
  if (op == "-") {
    if (ints) return Value::integer(sub_i(a.as_int(), b.as_int()));
    if (nums) return Value::number(a.as_float() - b.as_float());
    type_error("-", a, b);
  }
  if (op == "*") {
    if (ints) return Value::integer(mul_i(a.as_int(), b.as_int()));
    if (nums) return Value::number(a.as_float() * b.as_float());
    const Value* seq = (a.is_string() || a.is_list()) ? &a : (b.is_string() || b.is_list()) ? &b : nullptr;
    const Value* n = seq == &a ? &b : &a;
    if (seq && (n->is_int() || n->is_bool())) {
      std::int64_t times = std::max<std::int64_t>(0, n->as_int());
      if (seq->is_string()) {
        charge(seq->as_string().size() * static_cast<size_t>(times));
        std::string out;
        for (std::int64_t i = 0; i < times; ++i) out += seq->as_string();
        return Value::string(std::move(out));
      }
      charge(seq->as_list().size() * static_cast<size_t>(times) * sizeof(Value));
      List out;
      for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), seq->as_list().begin(), seq->as_list().end());
      return Value::list(std::move(out), seq->is_tuple());
    }
    type_error("*", a, b);
  }
  if (op == "/") {
    if (nums) {
      if (b.as_float() == 0) throw TemplateError("division by zero");
      return Value::number(a.as_float() / b.as_float());
    }
    type_error("/", a, b);
  }
  if (op == "//") {
    if (ints) return Value::integer(floordiv(a.as_int(), b.as_int()));
    if (nums) {
      if (b.as_float() == 0) throw TemplateError("float floor division by zero");
      return Value::number(std::floor(a.as_float() / b.as_float()));
    }
    type_error("//", a, b);
  }
  if (op == "%") {
    if (ints) return Value::integer(pymod(a.as_int(), b.as_int()));
    if (nums) return Value::number(pyfmod(a.as_float(), b.as_float()));
    if (a.is_string()) {
      CallArgs args;
      if (b.is_tuple()) args.positional = b.as_list();
      else args.positional.push_back(b);
      Value fmt = a;
      return call_filter(*this, "format", fmt, args);
    }
    type_error("%", a, b);
  }
  if (op == "**") {
    if (ints && b.as_int() >= 0) {
      std::int64_t base = a.as_int(), exp = b.as_int(), acc = 1;
      while (exp > 0) {
        if (exp & 1) acc = mul_i(acc, base);
        exp >>= 1;
        if (exp) base = mul_i(base, base);
      }
      return Value::integer(acc);
    }
    if (nums) return Value::number(std::pow(a.as_float(), b.as_float()));
    type_error("** or pow()", a, b);
  }
  throw TemplateError("unknown operator " + op);
}

}  // namespace lighteval::jinja::detail
