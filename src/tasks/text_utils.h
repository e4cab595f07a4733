// tasks/text_utils: the few Python string operations lighteval's prompt functions rely on,
// with Python's semantics (str.replace, str.strip, str.capitalize, str.split, int()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/strings.h"

namespace lighteval::tasks::text {

using lighteval::replace_all;  // str.replace (util/strings.h)
// str.strip() over ASCII and Unicode whitespace (U+0085, U+00A0, U+1680, U+2000-U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000; and \x1c-\x1f as Python does).
std::string strip(const std::string& s);
// str.capitalize(): the first character title-cased, the rest lower-cased (Unicode, UTF-8).
std::string capitalize(const std::string& s);
// str.split(sep) with an explicit separator.
std::vector<std::string> split(const std::string& s, const std::string& sep);
// int(s) for a decimal string (surrounding whitespace and a sign allowed); false if not one.
bool parse_python_int(const std::string& s, int64_t& out);

}  // namespace lighteval::tasks::text
