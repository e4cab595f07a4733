// Which BOS text the native backend prepends (Model::prepended_bos_token), read from real
// tokenizers: Llama-style ones add "<s>" (tokenizer_config add_bos_token: true, as HF's
// LlamaTokenizer does), GPT-2 adds nothing, and add_special_tokens=False adds nothing.
#include "backends/bos_probe.h"

#include <gtest/gtest.h>

#include "backends/dummy_model.h"
#include "common/test_support.h"

namespace lighteval::backends {
namespace {

NativeModelConfig config_for(const std::string& dir) {
  NativeModelConfig c;
  c.pretrained = (lighteval::testing::assets_dir() / "hub" / "models" / "fixtures" / dir).string();
  return c;
}

TEST(BosProbe, RealTokenizers) {
  LIGHTEVAL_REQUIRE_SHARED();
  EXPECT_EQ(native_prepended_bos(config_for("stories260K")), std::optional<std::string>("<s>"));
  EXPECT_EQ(native_prepended_bos(config_for("llama2-tokenizer")), std::optional<std::string>("<s>"));
  EXPECT_EQ(native_prepended_bos(config_for("gpt2-tokenizer")), std::nullopt);
  NativeModelConfig off = config_for("stories260K");
  off.add_special_tokens = false;
  EXPECT_EQ(native_prepended_bos(off), std::nullopt);
  // tokenizer= points the probe at another directory, as it does the backend.
  NativeModelConfig other = config_for("stories260K");
  other.tokenizer = config_for("gpt2-tokenizer").pretrained;
  EXPECT_EQ(native_prepended_bos(other), std::nullopt);
}

TEST(BosProbe, DecoratorAnswersAndForwards) {
  auto model = with_prepended_bos(std::make_unique<DummyModel>(DummyModelConfig{}), std::string("<s>"));
  EXPECT_EQ(model->prepended_bos_token(), std::optional<std::string>("<s>"));
  EXPECT_EQ(model->info().model_name, "dummy");
  EXPECT_EQ(model->max_length(), 2048);
  // The dummy's Random(42) draws come through unchanged: -random() of CPython's first draw.
  std::vector<LoglikelihoodRequest> reqs{{"ctx", " a"}};
  auto out = model->loglikelihood(reqs);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].logprob, -0.6394267984578837);
  EXPECT_EQ(model->apply_chat_template(Json::array(), true), std::nullopt);
}

}  // namespace
}  // namespace lighteval::backends
