// util/py_float: Python's repr() of a float (shortest round-trip digits in CPython's layout), which
// both the report (details files) and the template engine (Jinja's printing) must reproduce.
#pragma once

#include <string>

namespace lighteval {

// repr(float): "0.1", "1e-05", "100.0", "1.2345678901234568e+17", "nan", "-inf", "-0.0".
std::string py_float_repr(double v);

}  // namespace lighteval
