// template/pystr: the Python str operations templates call (strip, split, title, slicing by code
// point, ...), on UTF-8 strings, following CPython's definitions of whitespace and casing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/strings.h"  // py_isspace

namespace lighteval::jinja::detail {

std::vector<char32_t> utf8_decode(const std::string& s);  // invalid bytes map to U+FFFD-free raw bytes
std::string utf8_encode(const std::vector<char32_t>& cps);
void utf8_append(std::string& out, char32_t cp);
std::int64_t utf8_length(const std::string& s);

bool py_isalnum(char32_t c);
bool py_isalpha(char32_t c);
bool py_isdigit(char32_t c);
bool py_isprintable(char32_t c);
bool py_iscased_lower(char32_t c);
bool py_iscased_upper(char32_t c);

bool py_str_islower(const std::string& s);  // str.islower(): has cased chars, none upper
bool py_str_isupper(const std::string& s);
std::string py_upper(const std::string& s);
std::string py_lower(const std::string& s);
std::string py_title(const std::string& s);       // str.title()
std::string py_capitalize(const std::string& s);  // str.capitalize()
std::string py_swapcase(const std::string& s);

// strip/lstrip/rstrip with chars = nullopt meaning "whitespace".
std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);
std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep,
                                  std::int64_t maxsplit);
std::vector<std::string> py_rsplit(const std::string& s, const std::optional<std::string>& sep,
                                   std::int64_t maxsplit);
std::vector<std::string> py_splitlines(const std::string& s, bool keepends);
std::string py_replace(const std::string& s, const std::string& old, const std::string& repl,
                       std::int64_t count);
std::int64_t py_count(const std::string& s, const std::string& sub);
std::int64_t py_find(const std::string& s, const std::string& sub, bool reverse);  // code points

// Python's repr() of a str.
std::string py_str_repr(const std::string& s);

}  // namespace lighteval::jinja::detail
