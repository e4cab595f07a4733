// Test helpers: locate ../shared (the team's real assets), the source tree, the build tree, and
// the lighteval binary. Tests that need ../shared call LIGHTEVAL_REQUIRE_SHARED() and are skipped,
// with a message saying so, when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "util/json.h"

namespace lighteval::testing {

// ../shared beside the checkout, or $LIGHTEVAL_SHARED_DIR. Empty when absent.
std::filesystem::path shared_dir();
std::filesystem::path assets_dir();  // shared_dir()/assets
std::filesystem::path source_dir();  // the repository root
std::filesystem::path binary_dir();  // the CMake build directory
std::filesystem::path fixtures_dir();  // source_dir()/tests/fixtures
std::filesystem::path lighteval_binary();  // binary_dir()/src/cli/lighteval
// A fresh empty temporary directory, removed at exit of the test process.
std::filesystem::path temp_dir(const std::string& prefix);
std::string read_file(const std::filesystem::path& p);
Json read_json(const std::filesystem::path& p);  // read_file, parsed

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs a shell command line (with /bin/sh) and captures stdout and stderr separately.
CommandResult run_command(const std::string& command_line);

}  // namespace lighteval::testing

#define LIGHTEVAL_REQUIRE_SHARED()                                                         \
  do {                                                                                     \
    if (::lighteval::testing::shared_dir().empty())                                        \
      GTEST_SKIP() << "../shared is absent (set LIGHTEVAL_SHARED_DIR); skipping this test"; \
  } while (0)
