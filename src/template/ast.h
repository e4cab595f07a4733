// template/ast: the parsed form of a template (expressions and statements), produced by the
// parser and walked by the interpreter.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.h"

namespace lighteval::jinja::detail {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Literal, Name, List, Tuple, Dict, GetAttr, GetItem, Slice, Call, Filter, Test,
  Not, Neg, Pos, Binary, And, Or, Compare, CondExpr
};

struct Expr {
  ExprKind kind;
  int line = 0;
  int col = 0;
  int depth = 1;  // height of this subtree, bounded by the parser so evaluation cannot overflow the stack
  Value literal;
  std::string name;  // variable, attribute, filter, test or binary operator
  bool negated = false;  // `is not`
  ExprPtr a, b, c;  // operands: object/target, index/other, else-branch...
  std::vector<ExprPtr> args;  // list/tuple items, call/filter/test positional args, dict keys+values
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr star_args, star_kwargs;
  std::vector<std::string> ops;  // comparison chain operators ("==", "<", "in", "notin", ...)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

enum class NodeKind {
  Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, Break, Continue, Scope
};

struct Target {  // assignment target: a name, `ns.attr`, or a tuple of names
  std::string name;
  std::string attr;  // non-empty for ns.attr
  std::vector<Target> items;
  bool is_tuple = false;
};

struct Param {
  std::string name;
  ExprPtr default_value;
};

struct Node {
  NodeKind kind;
  int line = 0;
  int col = 0;
  std::string text;  // Text data; macro name
  ExprPtr expr;      // Output/Set value/For iterable/CallBlock call/If condition
  ExprPtr cond;      // For filter condition
  std::vector<std::pair<ExprPtr, Body>> branches;  // If: (condition, body) pairs
  Body body;
  Body else_body;
  Target target;
  std::vector<Param> params;  // Macro/CallBlock parameters
  bool uses_varargs = false, uses_kwargs = false, uses_caller = false;  // Macro
  std::vector<ExprPtr> filters;  // SetBlock/FilterBlock: Filter exprs applied to the body (a = nullptr)
};

struct Program {
  Body body;
};

}  // namespace lighteval::jinja::detail

namespace lighteval::jinja::detail {
std::shared_ptr<Program> parse_program(const std::string& source, const Options& options);
ExprPtr parse_expression_source(const std::string& source);
}  // namespace lighteval::jinja::detail
