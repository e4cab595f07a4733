// data/layout: which files make which split of which subset, from a repo's (or a directory's)
// file list and README, following `datasets`: the parquet export layout
// ({config}/{split}/NNNN.parquet, partial-{split}/, {split}-partK/), the README YAML `configs:`
// rules, or the default split-name patterns (single config "default").
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lighteval::data {

struct SplitFiles {
  std::string name;
  std::vector<std::string> files;  // relative paths, in reading order
};

struct SubsetFiles {
  std::string name;
  std::vector<SplitFiles> splits;  // train, validation, test, then the others sorted
};

struct DatasetLayout {
  enum class Kind { parquet_export, readme_configs, inferred };
  Kind kind = Kind::inferred;
  std::vector<SubsetFiles> subsets;
  std::string default_subset;  // empty when there is no default and several subsets

  const SubsetFiles* find(const std::string& name) const;
  std::vector<std::string> subset_names() const;
};

// `files`: every file of the repo (relative, '/'-separated). `readme`: README.md's text, if any.
// Throws lighteval::Error for a README whose YAML header is malformed.
DatasetLayout infer_layout(const std::vector<std::string>& files, const std::optional<std::string>& readme);

}  // namespace lighteval::data
