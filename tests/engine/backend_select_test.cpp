// make_backend: device strings, and "auto" choosing CUDA exactly when an explicit "cuda" works.
#include <gtest/gtest.h>

#include "engine/backend.h"
#include "util/error.h"

namespace lighteval::engine {
namespace {

TEST(MakeBackend, AutoFallsBackToTheCpuExactlyWhenCudaIsUnusable) {
  bool cuda_usable = true;
  std::string why;
  try {
    auto cuda = make_backend("cuda");
    EXPECT_EQ(cuda->device(), Device::cuda);
  } catch (const Error& e) {
    cuda_usable = false;
    why = e.what();
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;  // one line
    EXPECT_NE(why.find("device=cpu"), std::string::npos) << why;  // says what to do
  }
  auto chosen = make_backend("auto");
  EXPECT_EQ(chosen->device(), cuda_usable ? Device::cuda : Device::cpu) << why;
  EXPECT_EQ(make_backend("cpu")->device(), Device::cpu);
}

TEST(MakeBackend, BadDeviceStringsAreUsageErrors) {
  for (const char* d : {"tpu", "cuda:", "cuda:x", "cuda:-1", "CPU", ""}) {
    try {
      (void)make_backend(d);
      ADD_FAILURE() << "accepted device '" << d << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lighteval::engine
