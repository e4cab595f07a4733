// util/json: the project's JSON value type. Ordered, so rows keep their schema's column order and
// results files keep lighteval's key order.
#pragma once

#include <nlohmann/json.hpp>

namespace lighteval {
using Json = nlohmann::ordered_json;
}
