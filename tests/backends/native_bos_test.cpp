// Which BOS text the native backend prepends (Model::prepended_bos_token), read from real
// tokenizers: Llama-style ones add "<s>" (tokenizer_config add_bos_token: true, as HF's
// LlamaTokenizer does), GPT-2 adds nothing, and add_special_tokens=False adds nothing.
#include <gtest/gtest.h>

#include "backends/native_model.h"
#include "backends/native_requests.h"
#include "common/test_support.h"
#include "tokenizer/tokenizer.h"

namespace lighteval::backends {
namespace {

std::filesystem::path fixture(const std::string& dir) {
  return lighteval::testing::assets_dir() / "hub" / "models" / "fixtures" / dir;
}

TEST(PrependedBos, RealTokenizers) {
  LIGHTEVAL_REQUIRE_SHARED();
  const auto stories = tokenizer::Tokenizer::from_directory(fixture("stories260K"));
  const auto llama2 = tokenizer::Tokenizer::from_directory(fixture("llama2-tokenizer"));
  const auto gpt2 = tokenizer::Tokenizer::from_directory(fixture("gpt2-tokenizer"));
  EXPECT_EQ(prepended_bos(*stories, true), std::optional<std::string>("<s>"));
  EXPECT_EQ(prepended_bos(*llama2, true), std::optional<std::string>("<s>"));
  EXPECT_EQ(prepended_bos(*gpt2, true), std::nullopt);
  EXPECT_EQ(prepended_bos(*stories, false), std::nullopt);
}

TEST(PrependedBos, NativeModelReportsItsTokenizers) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = fixture("stories260K").string();
  c.device = "cpu";
  EXPECT_EQ(make_native_model(c)->prepended_bos_token(), std::optional<std::string>("<s>"));
  c.add_special_tokens = false;
  EXPECT_EQ(make_native_model(c)->prepended_bos_token(), std::nullopt);
  // tokenizer= points the backend, and so the answer, at another tokenizer.
  c.add_special_tokens = true;
  c.tokenizer = fixture("gpt2-tokenizer").string();
  EXPECT_EQ(make_native_model(c)->prepended_bos_token(), std::nullopt);
}

}  // namespace
}  // namespace lighteval::backends
