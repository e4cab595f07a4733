#include <gtest/gtest.h>

#include "util/error.h"

namespace lighteval {

TEST(Error, NotBuiltSaysSoAndExitsWithUsageCode) {
  NotBuiltError e("the CUDA backend");
  EXPECT_EQ(e.exit_code(), kExitUsage);
  EXPECT_STREQ(e.what(), "the CUDA backend is not built yet in this version of lighteval-cpp");
}

TEST(Error, UsageErrorExitsWithTwo) { EXPECT_EQ(UsageError("bad flag").exit_code(), 2); }

}  // namespace lighteval
