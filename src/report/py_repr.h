// report/py_repr: Python's repr() of the values lighteval v0.5 writes into its details files
// (it casts every column with str()): floats in CPython's shortest round-trip form, strings with
// CPython's quote choice and escapes, lists, tuples, dicts, None/True/False. Limits: non-ASCII
// characters are written as they are (CPython also escapes non-printable ones such as U+2028).
#pragma once

#include <string>
#include <string_view>

#include "util/json.h"
#include "util/py_float.h"

namespace lighteval::report {

std::string py_str_repr(std::string_view s);
// JSON -> Python repr: null -> None, bool -> True/False, integers as ints, floats via
// py_float_repr, arrays as lists, objects as dicts (keys in their order).
std::string py_repr(const Json& value);

}  // namespace lighteval::report
