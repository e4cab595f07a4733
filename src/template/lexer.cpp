#include "template/lexer.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "template/pystr.h"

namespace lighteval::jinja::detail {
namespace {

// \s of Python's re on str: Unicode whitespace.
size_t space_len_at(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c < 0x80) return 0;
  // Decode one multi-byte code point.
  size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  auto cps = utf8_decode(s.substr(i, len));
  if (cps.size() != 1 || !py_isspace(cps[0])) return 0;
  return len;
}

// Python's str.rstrip() (Unicode whitespace).
std::string rstrip_ws(const std::string& s) {
  auto cps = utf8_decode(s);
  size_t e = cps.size();
  while (e > 0 && py_isspace(cps[e - 1])) --e;
  if (e == cps.size()) return s;
  cps.resize(e);
  return utf8_encode(cps);
}

bool all_space_nonempty(const std::string& s, size_t from) {
  if (from >= s.size()) return false;
  size_t i = from;
  while (i < s.size()) {
    size_t n = space_len_at(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

class Lexer {
 public:
  Lexer(const std::string& src, const Options& opt) : opt_(opt) {
    // jinja2 normalises \r\n, \r and \n to \n and drops one trailing newline.
    src_.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\r') {
        src_.push_back('\n');
        if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
      } else {
        src_.push_back(src[i]);
      }
    }
    if (!opt.keep_trailing_newline && !src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  std::vector<Token> run() {
    while (pos_ < src_.size()) root_step();
    push(Tok::End, "");
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg) { throw TemplateError(msg, line_, col_at(pos_)); }

  int col_at(size_t p) const {
    size_t ls = src_.rfind('\n', p == 0 ? 0 : p - 1);
    if (p == 0 || ls == std::string::npos) return static_cast<int>(p) + 1;
    return static_cast<int>(p - ls);
  }

  void advance_to(size_t p) {
    for (size_t i = pos_; i < p && i < src_.size(); ++i)
      if (src_[i] == '\n') ++line_;
    pos_ = p;
  }

  void push(Tok t, std::string text) {
    Token tok;
    tok.type = t;
    tok.text = std::move(text);
    tok.line = line_;
    tok.col = col_at(pos_);
    out_.push_back(std::move(tok));
  }

  // Applies the whitespace control of a tag start to the data before it.
  std::string leading_data(std::string text, char sign, bool is_variable) {
    if (sign == '-') return rstrip_ws(text);
    if (sign != '+' && opt_.lstrip_blocks && !is_variable) {
      size_t l_pos = text.rfind('\n');
      l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
      if ((l_pos > 0 || line_starting_) && all_space_nonempty(text, l_pos)) text.resize(l_pos);
    }
    return text;
  }

  // Consumes the end of a block/comment tag at pos_ (already past the delimiter when
  // `sign` was seen): '-' strips following whitespace, '+' nothing, else trim_blocks' newline.
  void after_block_end(char sign) {
    if (sign == '-') {
      size_t n;
      while (pos_ < src_.size() && (n = space_len_at(src_, pos_)) > 0) advance_to(pos_ + n);
    } else if (sign != '+' && opt_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') {
      advance_to(pos_ + 1);
    }
    line_starting_ = pos_ > 0 && src_[pos_ - 1] == '\n';
  }

  // Matches `{%[-+]?\s*raw\s*(-%}\s*|%})` at p; returns the end position or npos.
  size_t match_raw_begin(size_t p) const {
    size_t i = p + 2;
    if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
    size_t n;
    while (i < src_.size() && (n = space_len_at(src_, i)) > 0) i += n;
    if (src_.compare(i, 3, "raw") != 0) return std::string::npos;
    i += 3;
    while (i < src_.size() && (n = space_len_at(src_, i)) > 0) i += n;
    if (src_.compare(i, 3, "-%}") == 0) {
      i += 3;
      while (i < src_.size() && (n = space_len_at(src_, i)) > 0) i += n;
      return i;
    }
    if (src_.compare(i, 2, "%}") == 0) return i + 2;
    return std::string::npos;
  }

  void root_step() {
    // Find the earliest tag start.
    size_t p = pos_;
    while (true) {
      p = src_.find('{', p);
      if (p == std::string::npos || p + 1 >= src_.size()) {
        emit_data(src_.substr(pos_));
        advance_to(src_.size());
        line_starting_ = !src_.empty() && src_.back() == '\n';
        return;
      }
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') break;
      ++p;
    }
    char kind = src_[p + 1];
    char sign = (p + 2 < src_.size() && (src_[p + 2] == '-' || src_[p + 2] == '+')) ? src_[p + 2] : 0;
    std::string text = src_.substr(pos_, p - pos_);
    size_t raw_end = kind == '%' ? match_raw_begin(p) : std::string::npos;
    emit_data(leading_data(std::move(text), sign, kind == '{'));
    advance_to(p);
    if (raw_end != std::string::npos) {
      advance_to(raw_end);
      lex_raw_body();
      return;
    }
    size_t start = p + 2 + (sign ? 1 : 0);
    if (kind == '#') {
      lex_comment(start);
      return;
    }
    push(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, "");
    advance_to(start);
    lex_tag(kind == '{');
  }

  void emit_data(std::string text) {
    if (text.empty()) return;
    push(Tok::Data, std::move(text));
  }

  void lex_comment(size_t start) {
    size_t e = src_.find("#}", start);
    if (e == std::string::npos) fail("Missing end of comment tag");
    char sign = (e > start && (src_[e - 1] == '-' || src_[e - 1] == '+')) ? src_[e - 1] : 0;
    advance_to(e + 2);
    after_block_end(sign);
  }

  void lex_raw_body() {
    // Find `{%[-+]?\s*endraw\s*(+%}|-%}\s*|%}\n?)`.
    size_t search = pos_;
    while (true) {
      size_t p = src_.find("{%", search);
      if (p == std::string::npos) fail("Missing end of raw directive");
      size_t i = p + 2;
      char sign = 0;
      if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) sign = src_[i++];
      size_t n;
      while (i < src_.size() && (n = space_len_at(src_, i)) > 0) i += n;
      if (src_.compare(i, 6, "endraw") == 0) {
        i += 6;
        while (i < src_.size() && (n = space_len_at(src_, i)) > 0) i += n;
        char end_sign = 0;
        if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) end_sign = src_[i++];
        if (src_.compare(i, 2, "%}") == 0) {
          emit_data(leading_data(src_.substr(pos_, p - pos_), sign, false));
          advance_to(i + 2);
          after_block_end(end_sign);
          return;
        }
      }
      search = p + 2;
    }
  }

  void lex_tag(bool variable) {
    std::vector<char> balance;
    const char* end = variable ? "}}" : "%}";
    while (true) {
      if (pos_ >= src_.size()) fail(variable ? "unexpected end of template, expected 'end of print statement'."
                                             : "unexpected end of template, expected 'end of statement block'.");
      // End of tag (only when brackets are balanced).
      if (balance.empty()) {
        if (src_[pos_] == '-' && src_.compare(pos_ + 1, 2, end) == 0) {
          push(variable ? Tok::VarEnd : Tok::BlockEnd, "");
          advance_to(pos_ + 3);
          size_t n;
          while (pos_ < src_.size() && (n = space_len_at(src_, pos_)) > 0) advance_to(pos_ + n);
          line_starting_ = src_[pos_ - 1] == '\n';
          return;
        }
        if (!variable && src_[pos_] == '+' && src_.compare(pos_ + 1, 2, end) == 0) {
          push(Tok::BlockEnd, "");
          advance_to(pos_ + 3);
          line_starting_ = false;
          return;
        }
        if (src_.compare(pos_, 2, end) == 0) {
          push(variable ? Tok::VarEnd : Tok::BlockEnd, "");
          advance_to(pos_ + 2);
          if (!variable) after_block_end(0);
          else line_starting_ = false;
          return;
        }
      }
      size_t n = space_len_at(src_, pos_);
      if (n > 0) {
        advance_to(pos_ + n);
        continue;
      }
      char c = src_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number();
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos_;
        while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
        push(Tok::Name, src_.substr(pos_, e - pos_));
        advance_to(e);
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        static const char* two[] = {"//", "**", "==", "!=", ">=", "<="};
        std::string op;
        for (const char* t : two)
          if (src_.compare(pos_, 2, t) == 0) op = t;
        if (op.empty()) {
          if (!std::strchr("+-/*%~[](){}><=.:|,;", c) || c == 0) fail(std::string("unexpected char '") + c + "'");
          op = std::string(1, c);
        }
        if (op == "(" || op == "[" || op == "{") {
          balance.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        } else if (op == ")" || op == "]" || op == "}") {
          if (balance.empty()) fail("unexpected '" + op + "'");
          if (balance.back() != op[0]) fail("unexpected '" + op + "', expected '" + std::string(1, balance.back()) + "'");
          balance.pop_back();
        }
        push(Tok::Op, op);
        advance_to(pos_ + op.size());
      }
    }
  }

  void lex_number() {
    auto digits = [&](size_t i) {
      // \d+ with single underscores between digits
      if (i >= src_.size() || !std::isdigit(static_cast<unsigned char>(src_[i]))) return std::string::npos;
      while (i < src_.size()) {
        if (std::isdigit(static_cast<unsigned char>(src_[i]))) ++i;
        else if (src_[i] == '_' && i + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[i + 1]))) ++i;
        else break;
      }
      return i;
    };
    size_t start = pos_;
    // Prefixed integers.
    if (src_[start] == '0' && start + 1 < src_.size() && std::strchr("bBoOxX", src_[start + 1]) && src_[start + 1]) {
      int base = (src_[start + 1] | 0x20) == 'b' ? 2 : (src_[start + 1] | 0x20) == 'o' ? 8 : 16;
      size_t i = start + 2;
      std::string clean;
      while (i < src_.size()) {
        char ch = src_[i];
        if (ch == '_' && i + 1 < src_.size() && std::isxdigit(static_cast<unsigned char>(src_[i + 1]))) { ++i; continue; }
        int d = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
              : std::isxdigit(static_cast<unsigned char>(ch)) ? (ch | 0x20) - 'a' + 10 : 99;
        if (d >= base) break;
        clean.push_back(ch);
        ++i;
      }
      if (!clean.empty()) {
        errno = 0;
        long long v = std::strtoll(clean.c_str(), nullptr, base);
        if (errno == ERANGE) fail("integer literal too large");
        Token t;
        push(Tok::Int, src_.substr(start, i - start));
        out_.back().ival = v;
        advance_to(i);
        return;
      }
    }
    size_t i = digits(start);
    bool is_float = false;
    if (i < src_.size() && src_[i] == '.') {
      size_t f = digits(i + 1);
      if (f != std::string::npos) {
        i = f;
        is_float = true;
      }
    }
    if (i < src_.size() && (src_[i] | 0x20) == 'e') {
      size_t j = i + 1;
      if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
      size_t f = digits(j);
      if (f != std::string::npos) {
        i = f;
        is_float = true;
      }
    }
    if (!is_float && src_[start] == '0') {
      // jinja2's integer_re accepts a leading zero only as "0", "00", "0_0"...: stop before
      // the first non-zero digit so that "01" fails to parse as it does there.
      i = start + 1;
      while (i < src_.size() && (src_[i] == '0' || (src_[i] == '_' && i + 1 < src_.size() && src_[i + 1] == '0'))) ++i;
    }
    std::string lit = src_.substr(start, i - start), clean;
    for (char ch : lit)
      if (ch != '_') clean.push_back(ch);
    if (is_float) {
      push(Tok::Float, lit);
      out_.back().fval = std::strtod(clean.c_str(), nullptr);
    } else {
      errno = 0;
      long long v = std::strtoll(clean.c_str(), nullptr, 10);
      if (errno == ERANGE) fail("integer literal too large");
      push(Tok::Int, lit);
      out_.back().ival = v;
    }
    advance_to(i);
  }

  void lex_string(char quote) {
    std::string value;
    size_t i = pos_ + 1;
    auto hexval = [&](size_t at, int count, char32_t& cp) {
      cp = 0;
      for (int k = 0; k < count; ++k) {
        if (at + k >= src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[at + k]))) return false;
        char ch = src_[at + k];
        cp = cp * 16 + (std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0' : (ch | 0x20) - 'a' + 10);
      }
      return true;
    };
    while (true) {
      if (i >= src_.size()) fail("unexpected char '" + std::string(1, quote) + "'");
      char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        value.push_back(c);
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) fail("unexpected char '" + std::string(1, quote) + "'");
      char e = src_[i + 1];
      i += 2;
      char32_t cp;
      switch (e) {
        case '\n': break;  // line continuation
        case '\\': value.push_back('\\'); break;
        case '\'': value.push_back('\''); break;
        case '"': value.push_back('"'); break;
        case 'a': value.push_back('\a'); break;
        case 'b': value.push_back('\b'); break;
        case 'f': value.push_back('\f'); break;
        case 'n': value.push_back('\n'); break;
        case 'r': value.push_back('\r'); break;
        case 't': value.push_back('\t'); break;
        case 'v': value.push_back('\v'); break;
        case 'x': case 'u': case 'U': {
          int count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (!hexval(i, count, cp) || cp > 0x10FFFF)
            fail(std::string("invalid \\") + e + " escape in string literal");
          utf8_append(value, cp);
          i += count;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            cp = e - '0';
            for (int k = 0; k < 2 && i < src_.size() && src_[i] >= '0' && src_[i] <= '7'; ++k) cp = cp * 8 + (src_[i++] - '0');
            utf8_append(value, cp);
          } else if (e == 'N') {
            fail("\\N{...} escapes are not supported in string literals");
          } else {
            value.push_back('\\');
            value.push_back(e);
          }
      }
    }
    push(Tok::String, std::move(value));
    advance_to(i + 1);
  }

  const Options& opt_;
  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const Options& options) {
  return Lexer(source, options).run();
}

}  // namespace lighteval::jinja::detail
