// data/glob: the path patterns of `datasets` data_files (fsspec glob semantics): `*` and `?` stay
// inside one path component, `**` crosses them, `[...]` is a character class. Paths use '/'.
#pragma once

#include <string>

namespace lighteval::data {

bool glob_match(const std::string& pattern, const std::string& path);

}  // namespace lighteval::data
