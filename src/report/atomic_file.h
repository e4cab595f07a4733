// report/atomic_file: write a whole file so that readers see either the old file or the complete
// new one (temp file in the same directory + fsync + rename), creating parent directories.
#pragma once

#include <filesystem>
#include <string_view>

namespace lighteval::report {

// Throws lighteval::Error naming the path when the directory or file cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace lighteval::report
