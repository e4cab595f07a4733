#include <gtest/gtest.h>

#include "common/test_support.h"

namespace lighteval::testing {

TEST(Cli, VersionPrintsVersion) {
  auto r = run_command(lighteval_binary().string() + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("lighteval-cpp"), std::string::npos);
}

TEST(Cli, UnknownCommandIsOneLineAndUsageExit) {
  auto r = run_command(lighteval_binary().string() + " frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

}  // namespace lighteval::testing
