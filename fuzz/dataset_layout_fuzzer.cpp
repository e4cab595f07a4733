// Fuzzes the dataset layout rules with user-controlled input: a file list (lines up to the first
// empty line) and a README.md (the rest), as a Hub repo or a local directory provides them. Only
// lighteval::Error may escape infer_layout; glob_match must terminate quickly on any pattern.
// fuzz-modules: data
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/glob.h"
#include "data/layout.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> files;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    std::string line = input.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) break;
    files.push_back(line);
  }
  std::string readme = pos < input.size() ? input.substr(pos) : std::string();
  try {
    auto layout = lighteval::data::infer_layout(files, readme);
    for (const auto& s : layout.subsets)
      for (const auto& sp : s.splits) (void)sp.files.size();
  } catch (const lighteval::Error&) {
  }
  if (files.size() >= 2) (void)lighteval::data::glob_match(files[0], files[1]);
  return 0;
}
