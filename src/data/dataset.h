// data: rows of a dataset split, as `datasets.load_dataset(repo, subset, split=...)` would give
// them, from a Hub dataset (its refs/convert/parquet branch first, then the main branch's data
// files with the README `configs:` rules or the default split-name patterns), from a local
// directory in either layout, or from a local data file. Files are read through formats/rows.h.
// Limits: no dataset scripts; CSV values stay strings (datasets would infer types); .tsv, .txt and
// .arrow files are not read; builder kwargs in README configs (sep, features...) are ignored.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::data {

// repo_or_path: a Hub dataset id, a local directory (either layout) or a local file. An empty
// subset picks the default one (the config marked default, else "default", else the only one);
// an empty revision prefers the parquet export and falls back to main. A single local file
// serves whatever split is asked for. Errors (unknown repo/subset/split, unreadable file, no
// network) are lighteval::Error with one line that lists what is available.
std::vector<Json> load_split(const std::string& repo_or_path, const std::string& subset, const std::string& split,
                             const std::string& revision = "");
std::vector<std::string> list_splits(const std::string& repo_or_path, const std::string& subset,
                                     const std::string& revision = "");
std::vector<std::string> list_subsets(const std::string& repo_or_path, const std::string& revision = "");
// Streaming variant for big splits (used by `dataset show --rows N`); fn returns false to stop.
void for_each_row(const std::string& repo_or_path, const std::string& subset, const std::string& split,
                  const std::function<bool(const Json&)>& fn, const std::string& revision = "");

}  // namespace lighteval::data
