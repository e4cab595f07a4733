// Recursive-descent parser following jinja2's grammar (jinja2/parser.py): operator precedence,
// tuples without parentheses, `is` tests with one bare argument, filters binding tighter than
// arithmetic, and the statement tags chat templates use.
#include <set>

#include "template/ast.h"
#include "template/lexer.h"

namespace lighteval::jinja::detail {
namespace {

constexpr int kMaxNesting = 200;
constexpr int kMaxExprDepth = 300;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body parse_template() {
    std::string end;
    Body body = parse_body({}, end);
    return body;
  }

  ExprPtr parse_standalone_expression() {
    ExprPtr e = parse_expression(true);
    if (cur().type != Tok::End) fail("chunk after expression");
    return e;
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting) p_.fail("template nesting is too deep (more than 200 levels)");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  void next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(const char* op) const { return cur().type == Tok::Op && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == Tok::Name && cur().text == n; }

  [[noreturn]] void fail(const std::string& msg) const { throw TemplateError(msg, cur().line, cur().col); }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::Data: return "template data";
      case Tok::VarBegin: return "begin of print statement";
      case Tok::VarEnd: return "end of print statement";
      case Tok::BlockBegin: return "begin of statement block";
      case Tok::BlockEnd: return "end of statement block";
      case Tok::End: return "end of template";
      default: return t.text;
    }
  }

  void expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected token '") + op + "', got '" + describe(cur()) + "'");
    next();
  }
  std::string expect_name() {
    if (cur().type != Tok::Name) fail("expected name, got '" + describe(cur()) + "'");
    std::string n = cur().text;
    next();
    return n;
  }
  void expect_block_end() {
    if (cur().type != Tok::BlockEnd) fail("expected token 'end of statement block', got '" + describe(cur()) + "'");
    next();
  }

  // Records the subtree height; chains built in loops (a+b+c..., x.y.z..., x|f|g...) would
  // otherwise make trees deep enough to overflow the stack when evaluated or destroyed.
  ExprPtr sized(ExprPtr e) {
    int d = 0;
    for (const Expr* c : {e->a.get(), e->b.get(), e->c.get(), e->star_args.get(), e->star_kwargs.get()})
      if (c) d = std::max(d, c->depth);
    for (const auto& c : e->args) d = std::max(d, c->depth);
    for (const auto& kv : e->kwargs) d = std::max(d, kv.second->depth);
    e->depth = d + 1;
    if (e->depth > kMaxExprDepth) fail("expression is too deeply nested (more than 300 levels)");
    return e;
  }

  ExprPtr make(ExprKind k) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = cur().line;
    e->col = cur().col;
    return e;
  }
  NodePtr make_node(NodeKind k) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->line = cur().line;
    n->col = cur().col;
    return n;
  }

  // Parses nodes until a block tag whose name is in `ends` (left as the current token, with
  // its name returned in `end`), or the end of the template when `ends` is empty.
  Body parse_body(const std::set<std::string>& ends, std::string& end) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.type == Tok::End) {
        if (!ends.empty()) {
          std::string list;
          for (const auto& e : ends) list += (list.empty() ? "'" : " or '") + e + "'";
          fail("Unexpected end of template. Jinja was looking for the following tags: " + list + ".");
        }
        return body;
      }
      if (t.type == Tok::Data) {
        auto n = make_node(NodeKind::Text);
        n->text = t.text;
        body.push_back(std::move(n));
        next();
      } else if (t.type == Tok::VarBegin) {
        next();
        auto n = make_node(NodeKind::Output);
        n->expr = parse_tuple(false, true);
        if (cur().type != Tok::VarEnd) fail("expected token 'end of print statement', got '" + describe(cur()) + "'");
        next();
        body.push_back(std::move(n));
      } else if (t.type == Tok::BlockBegin) {
        next();
        if (cur().type != Tok::Name) fail("tag name expected");
        if (ends.count(cur().text)) {
          end = cur().text;
          return body;
        }
        body.push_back(parse_statement());
      } else {
        fail("unexpected '" + describe(t) + "'");
      }
    }
  }

  NodePtr parse_statement() {
    std::string tag = cur().text;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "generation") return parse_scope_tag("endgeneration");
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail("'" + tag + "' tag outside of a loop");
      auto n = make_node(tag == "break" ? NodeKind::Break : NodeKind::Continue);
      next();
      expect_block_end();
      return n;
    }
    if (tag.rfind("end", 0) == 0 || tag == "elif" || tag == "else")
      fail("Encountered unknown tag '" + tag + "'.");
    fail("Encountered unknown tag '" + tag + "'.");
  }

  NodePtr parse_if() {
    auto n = make_node(NodeKind::If);
    next();
    while (true) {
      ExprPtr cond = parse_tuple(false, true);
      expect_block_end();
      std::string end;
      Body body = parse_body({"elif", "else", "endif"}, end);
      n->branches.emplace_back(std::move(cond), std::move(body));
      next();
      if (end == "elif") continue;
      if (end == "else") {
        expect_block_end();
        n->else_body = parse_body({"endif"}, end);
        next();
      }
      expect_block_end();
      return n;
    }
  }

  Target parse_assign_target(bool allow_tuple, bool with_namespace, const char* stop_name) {
    Target t;
    auto single = [&]() {
      Target s;
      if (is_op("(")) {
        next();
        s = parse_assign_target(true, false, nullptr);
        expect_op(")");
        return s;
      }
      s.name = expect_name();
      if (with_namespace && is_op(".")) {
        next();
        s.attr = expect_name();
      }
      return s;
    };
    Target first = single();
    if (!allow_tuple || !is_op(",")) return first;
    t.is_tuple = true;
    t.items.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if ((stop_name && is_name(stop_name)) || is_op("=") || is_op(")") || cur().type == Tok::BlockEnd) break;
      t.items.push_back(single());
    }
    return t;
  }

  NodePtr parse_for() {
    auto n = make_node(NodeKind::For);
    next();
    n->target = parse_assign_target(true, false, "in");
    if (!is_name("in")) fail("expected token 'in', got '" + describe(cur()) + "'");
    next();
    n->expr = parse_tuple(false, false, true);
    if (is_name("if")) {
      next();
      n->cond = parse_expression(true);
    }
    if (is_name("recursive")) fail("recursive for-loops are not supported");
    expect_block_end();
    ++loop_depth_;
    std::string end;
    n->body = parse_body({"endfor", "else"}, end);
    --loop_depth_;
    next();
    if (end == "else") {
      expect_block_end();
      n->else_body = parse_body({"endfor"}, end);
      next();
    }
    expect_block_end();
    return n;
  }

  ExprPtr parse_filter_chain_item() {
    // `name(.name)*[(args)]` applied to an implicit value (expr->a stays null).
    auto f = make(ExprKind::Filter);
    f->name = expect_name();
    while (is_op(".")) {
      next();
      f->name += "." + expect_name();
    }
    if (is_op("(")) parse_call_args(*f);
    return f;
  }

  NodePtr parse_set() {
    auto n = make_node(NodeKind::Set);
    next();
    n->target = parse_assign_target(true, true, nullptr);
    if (is_op("=")) {
      next();
      n->expr = parse_tuple(false, true);
      expect_block_end();
      return n;
    }
    if (n->target.is_tuple || !n->target.attr.empty()) fail("expected token '=', got '" + describe(cur()) + "'");
    n->kind = NodeKind::SetBlock;
    while (is_op("|")) {
      next();
      n->filters.push_back(parse_filter_chain_item());
    }
    expect_block_end();
    std::string end;
    n->body = parse_body({"endset"}, end);
    next();
    expect_block_end();
    return n;
  }

  void parse_signature(Node& n) {
    expect_op("(");
    while (!is_op(")")) {
      if (!n.params.empty()) expect_op(",");
      if (is_op(")")) break;
      Param p;
      p.name = expect_name();
      if (is_op("=")) {
        next();
        p.default_value = parse_expression(true);
      }
      n.params.push_back(std::move(p));
    }
    next();
  }

  NodePtr parse_macro() {
    auto n = make_node(NodeKind::Macro);
    next();
    n->text = expect_name();
    parse_signature(*n);
    expect_block_end();
    int saved = loop_depth_;
    loop_depth_ = 0;
    std::string end;
    names_used_.clear();
    n->body = parse_body({"endmacro"}, end);
    n->uses_varargs = names_used_.count("varargs") > 0;
    n->uses_kwargs = names_used_.count("kwargs") > 0;
    n->uses_caller = names_used_.count("caller") > 0;
    loop_depth_ = saved;
    next();
    if (cur().type == Tok::Name && cur().text == n->text) next();
    expect_block_end();
    return n;
  }

  NodePtr parse_call_block() {
    auto n = make_node(NodeKind::CallBlock);
    next();
    if (is_op("(")) parse_signature(*n);
    n->expr = parse_expression(true);
    if (n->expr->kind != ExprKind::Call) fail("expected call");
    expect_block_end();
    int saved = loop_depth_;
    loop_depth_ = 0;
    std::string end;
    n->body = parse_body({"endcall"}, end);
    loop_depth_ = saved;
    next();
    expect_block_end();
    return n;
  }

  NodePtr parse_filter_block() {
    auto n = make_node(NodeKind::FilterBlock);
    next();
    n->filters.push_back(parse_filter_chain_item());
    while (is_op("|")) {
      next();
      n->filters.push_back(parse_filter_chain_item());
    }
    expect_block_end();
    std::string end;
    n->body = parse_body({"endfilter"}, end);
    next();
    expect_block_end();
    return n;
  }

  NodePtr parse_scope_tag(const char* end_tag) {
    auto n = make_node(NodeKind::Scope);
    next();
    expect_block_end();
    std::string end;
    n->body = parse_body({end_tag}, end);
    next();
    expect_block_end();
    return n;
  }

  // ---- expressions ----

  bool at_tuple_end(bool for_iter) const {
    if (cur().type == Tok::VarEnd || cur().type == Tok::BlockEnd || cur().type == Tok::End) return true;
    if (is_op(")")) return true;
    if (for_iter && (is_name("if") || is_name("recursive"))) return true;
    return false;
  }

  ExprPtr parse_tuple(bool explicit_parens, bool with_condexpr, bool for_iter = false) {
    DepthGuard guard(*this);
    auto t = make(ExprKind::Tuple);
    bool is_tuple = false;
    while (true) {
      if (!t->args.empty()) expect_op(",");
      if (at_tuple_end(for_iter)) break;
      t->args.push_back(with_condexpr ? parse_expression(true) : parse_or());
      if (is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!t->args.empty()) return std::move(t->args[0]);
      if (!explicit_parens) fail("Expected an expression, got '" + describe(cur()) + "'");
    }
    return sized(std::move(t));
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    if (!with_condexpr) return parse_or();
    ExprPtr e = parse_or();
    while (is_name("if")) {
      auto c = make(ExprKind::CondExpr);
      next();
      c->b = parse_or();  // condition
      if (is_name("else")) {
        next();
        c->c = parse_expression(true);
      }
      c->a = std::move(e);
      e = sized(std::move(c));
    }
    return e;
  }

  // Left-associative `a or b or c` / `a and b and c`, with `operand` parsing each side.
  ExprPtr parse_logical(ExprKind kind, const char* word, ExprPtr (Parser::*operand)()) {
    ExprPtr left = (this->*operand)();
    while (is_name(word)) {
      auto e = make(kind);
      next();
      e->a = std::move(left);
      e->b = (this->*operand)();
      left = sized(std::move(e));
    }
    return left;
  }

  ExprPtr parse_or() { return parse_logical(ExprKind::Or, "or", &Parser::parse_and); }
  ExprPtr parse_and() { return parse_logical(ExprKind::And, "and", &Parser::parse_not); }

  ExprPtr parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      auto e = make(ExprKind::Not);
      next();
      e->a = parse_not();
      return sized(std::move(e));
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    ExprPtr first = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().type == Tok::Op &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
           cur().text == ">" || cur().text == ">=")) {
        op = cur().text;
        next();
      } else if (is_name("in")) {
        op = "in";
        next();
      } else if (is_name("not") && peek().type == Tok::Name && peek().text == "in") {
        op = "notin";
        next();
        next();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(ExprKind::Compare);
        cmp->a = std::move(first);
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
    }
    return cmp ? sized(std::move(cmp)) : std::move(first);
  }

  ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r) {
    auto e = make(ExprKind::Binary);
    e->name = op;
    e->a = std::move(l);
    e->b = std::move(r);
    return sized(std::move(e));
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      next();
      left = binary(op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op("~")) {
      next();
      left = binary("~", std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      next();
      left = binary(op, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      next();
      left = binary("**", std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      node = make(is_op("-") ? ExprKind::Neg : ExprKind::Pos);
      next();
      node->a = parse_unary(false);
      node = sized(std::move(node));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(*this);
    const Token& t = cur();
    if (t.type == Tok::Name) {
      auto e = make(ExprKind::Literal);
      if (t.text == "true" || t.text == "True") e->literal = Value::boolean(true);
      else if (t.text == "false" || t.text == "False") e->literal = Value::boolean(false);
      else if (t.text == "none" || t.text == "None") e->literal = Value::none();
      else {
        e->kind = ExprKind::Name;
        e->name = t.text;
        names_used_.insert(t.text);
      }
      next();
      return e;
    }
    if (t.type == Tok::String) {
      auto e = make(ExprKind::Literal);
      std::string s = t.text;
      next();
      while (cur().type == Tok::String) {  // adjacent literals concatenate
        s += cur().text;
        next();
      }
      e->literal = Value::string(std::move(s));
      return e;
    }
    if (t.type == Tok::Int || t.type == Tok::Float) {
      auto e = make(ExprKind::Literal);
      e->literal = t.type == Tok::Int ? Value::integer(t.ival) : Value::number(t.fval);
      next();
      return e;
    }
    if (is_op("(")) {
      next();
      ExprPtr e = parse_tuple(true, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) {
      auto e = make(ExprKind::List);
      next();
      while (!is_op("]")) {
        if (!e->args.empty()) expect_op(",");
        if (is_op("]")) break;
        e->args.push_back(parse_expression(true));
      }
      next();
      return sized(std::move(e));
    }
    if (is_op("{")) {
      auto e = make(ExprKind::Dict);
      next();
      while (!is_op("}")) {
        if (!e->args.empty()) expect_op(",");
        if (is_op("}")) break;
        e->args.push_back(parse_expression(true));
        expect_op(":");
        e->args.push_back(parse_expression(true));
      }
      next();
      return sized(std::move(e));
    }
    fail("unexpected '" + describe(t) + "'");
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".")) {
        next();
        if (cur().type == Tok::Name) {
          auto e = make(ExprKind::GetAttr);
          e->name = cur().text;
          next();
          e->a = std::move(node);
          node = sized(std::move(e));
        } else if (cur().type == Tok::Int) {
          auto e = make(ExprKind::GetItem);
          auto idx = make(ExprKind::Literal);
          idx->literal = Value::integer(cur().ival);
          next();
          e->a = std::move(node);
          e->b = std::move(idx);
          node = sized(std::move(e));
        } else {
          fail("expected name or number");
        }
      } else if (is_op("[")) {
        next();
        auto e = make(ExprKind::GetItem);
        std::vector<ExprPtr> idx;
        while (!is_op("]")) {
          if (!idx.empty()) expect_op(",");
          if (is_op("]")) break;
          idx.push_back(parse_subscribed());
        }
        next();
        if (idx.empty()) fail("expected subscript expression");
        e->a = std::move(node);
        if (idx.size() == 1) {
          e->b = std::move(idx[0]);
        } else {
          auto t = make(ExprKind::Tuple);
          t->args = std::move(idx);
          e->b = sized(std::move(t));
        }
        node = sized(std::move(e));
      } else if (is_op("(")) {
        auto e = make(ExprKind::Call);
        e->a = std::move(node);
        parse_call_args(*e);
        node = sized(std::move(e));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscribed() {
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_expression(true);
      if (!is_op(":")) return start;
    }
    auto s = make(ExprKind::Slice);
    s->a = std::move(start);
    next();  // ':'
    if (!is_op("]") && !is_op(",") && !is_op(":")) s->b = parse_expression(true);
    if (is_op(":")) {
      next();
      if (!is_op("]") && !is_op(",")) s->c = parse_expression(true);
    }
    return sized(std::move(s));
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(")")) break;
      if (is_op("*")) {
        next();
        e.star_args = parse_expression(true);
      } else if (is_op("**")) {
        next();
        e.star_kwargs = parse_expression(true);
      } else if (cur().type == Tok::Name && peek().type == Tok::Op && peek().text == "=") {
        std::string key = cur().text;
        next();
        next();
        e.kwargs.emplace_back(key, parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail("invalid syntax for function call expression");
        e.args.push_back(parse_expression(true));
      }
    }
    next();
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        next();
        ExprPtr f = parse_filter_chain_item();
        f->a = std::move(node);
        node = sized(std::move(f));
      } else if (is_name("is")) {
        auto t = make(ExprKind::Test);
        next();
        if (is_name("not")) {
          t->negated = true;
          next();
        }
        t->name = expect_name();
        while (is_op(".")) {
          next();
          t->name += "." + expect_name();
        }
        if (is_op("(")) {
          parse_call_args(*t);
        } else if ((cur().type == Tok::Name || cur().type == Tok::String || cur().type == Tok::Int ||
                    cur().type == Tok::Float || is_op("(") || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
          if (is_name("is")) fail("You cannot chain multiple tests with is");
          ExprPtr arg = parse_postfix(parse_primary());
          t->args.push_back(std::move(arg));
        }
        t->a = std::move(node);
        node = sized(std::move(t));
      } else if (is_op("(")) {
        auto e = make(ExprKind::Call);
        e->a = std::move(node);
        parse_call_args(*e);
        node = sized(std::move(e));
      } else {
        return node;
      }
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::set<std::string> names_used_;  // names read so far (macros: do they use varargs/kwargs/caller?)
};

}  // namespace

std::shared_ptr<Program> parse_program(const std::string& source, const Options& options) {
  auto prog = std::make_shared<Program>();
  Parser p(tokenize(source, options));
  prog->body = p.parse_template();
  return prog;
}

ExprPtr parse_expression_source(const std::string& source) {
  Options opt;
  auto toks = tokenize("{{" + source + "}}", opt);
  // Drop the delimiters so the parser sees a bare expression.
  if (toks.size() < 3 || toks.front().type != Tok::VarBegin) throw TemplateError("invalid expression: " + source);
  std::vector<Token> inner(toks.begin() + 1, toks.end());
  // Remove the VarEnd (last before End).
  if (inner.size() >= 2 && inner[inner.size() - 2].type == Tok::VarEnd) inner.erase(inner.end() - 2);
  else throw TemplateError("invalid expression: " + source);
  Parser p(std::move(inner));
  return p.parse_standalone_expression();
}

}  // namespace lighteval::jinja::detail
