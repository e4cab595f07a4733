// Test helper: compares JSON values the way the parquet fixtures mean them: numbers by value
// (an integer equals the same integer whether stored signed or unsigned, a float equals a float with
// the same double value), object keys in the same order, and an expected null matching a NaN or
// infinity (JSON has no spelling for those).
#pragma once

#include <cmath>
#include <string>

#include "util/json.h"

namespace lighteval::testing {

inline bool json_same(const Json& a, const Json& e, std::string& where) {
  if (e.is_null() && a.is_number_float() && !std::isfinite(a.get<double>())) return true;
  if (a.is_number() && e.is_number()) {
    bool ok;
    if (a.is_number_float() || e.is_number_float()) {
      ok = a.get<double>() == e.get<double>();
    } else if (a.is_number_unsigned() || e.is_number_unsigned()) {
      ok = (a.is_number_unsigned() || a.get<int64_t>() >= 0) && (e.is_number_unsigned() || e.get<int64_t>() >= 0) &&
           a.get<uint64_t>() == e.get<uint64_t>();
    } else {
      ok = a.get<int64_t>() == e.get<int64_t>();
    }
    if (!ok) where = "number " + a.dump() + " != " + e.dump();
    return ok;
  }
  if (a.type() != e.type()) {
    where = "type differs: got " + a.dump() + ", expected " + e.dump();
    return false;
  }
  if (a.is_array()) {
    if (a.size() != e.size()) {
      where = "array size " + std::to_string(a.size()) + " != " + std::to_string(e.size());
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
      if (!json_same(a[i], e[i], where)) {
        where = "[" + std::to_string(i) + "]" + where;
        return false;
      }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != e.size()) {
      where = " object keys differ: got " + a.dump() + ", expected " + e.dump();
      return false;
    }
    auto ia = a.begin();
    auto ie = e.begin();
    for (; ia != a.end(); ++ia, ++ie) {
      if (ia.key() != ie.key()) {
        where = " key order/name differs: got " + ia.key() + ", expected " + ie.key();
        return false;
      }
      if (!json_same(ia.value(), ie.value(), where)) {
        where = "." + ia.key() + where;
        return false;
      }
    }
    return true;
  }
  if (a != e) {
    where = " got " + a.dump() + ", expected " + e.dump();
    return false;
  }
  return true;
}

}  // namespace lighteval::testing
