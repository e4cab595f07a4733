// template/lexer: splits template source into jinja2's token stream (data, tag delimiters and the
// tokens of expressions), applying jinja2's whitespace rules (-/+ markers, trim_blocks,
// lstrip_blocks) and newline normalisation exactly as jinja2's lexer does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "template/jinja.h"

namespace lighteval::jinja::detail {

enum class Tok : std::uint8_t {
  Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End
};

struct Token {
  Tok type;
  std::string text;  // data, name, operator, or the decoded string literal
  std::int64_t ival = 0;
  double fval = 0;
  int line = 1;
  int col = 1;
};

std::vector<Token> tokenize(const std::string& source, const Options& options);

}  // namespace lighteval::jinja::detail
