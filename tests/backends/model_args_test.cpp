#include "backends/model_args.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace lighteval::backends {
namespace {

std::string error_of(std::string_view args, EntryPoint entry = EntryPoint::accelerate) {
  try {
    parse_model_args(args, entry);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelArgs, SplitFollowsLightevalV05) {
  // v0.5: {k.split("=")[0]: k.split("=")[1] if "=" in k else True for k in s.split(",")}
  auto pairs = split_model_args("pretrained=gpt2,model_parallel,revision=abc");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"pretrained", "gpt2"}));
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"model_parallel", "True"}));
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>{"revision", "abc"}));
  EXPECT_EQ(split_model_args("dummy,").size(), 1u);  // trailing comma
  EXPECT_THROW(split_model_args("=x"), UsageError);
  EXPECT_THROW(split_model_args("a=b=c"), UsageError);
}

TEST(ModelArgs, AccelerateDefaultsAndValues) {
  auto a = parse_model_args("pretrained=HuggingFaceTB/SmolLM-135M,dtype=bfloat16,max_length=512,add_special_tokens=False,"
                            "revision=v1,batch_size=8,multichoice_continuations_start_space=None");
  EXPECT_EQ(a.kind, BackendKind::native);
  EXPECT_EQ(a.native.pretrained, "HuggingFaceTB/SmolLM-135M");
  EXPECT_EQ(a.native.dtype, "bfloat16");
  EXPECT_EQ(a.native.max_length, 512);
  EXPECT_FALSE(a.native.add_special_tokens);  // v0.5 kept the truthy string "False"; we honour it
  EXPECT_EQ(a.native.revision, "v1");
  EXPECT_EQ(a.native.batch_size, 8);
  EXPECT_FALSE(a.native.multichoice_continuations_start_space.has_value());
  EXPECT_EQ(a.native.max_gen_toks, 256);
  EXPECT_FALSE(a.native.gpu_memory_utilisation.has_value());
}

TEST(ModelArgs, NewerNamesAreAliases) {
  auto a = parse_model_args("model_name=gpt2,pair_wise_tokenization=True");
  EXPECT_EQ(a.native.pretrained, "gpt2");
  EXPECT_TRUE(a.native.pairwise_tokenization);
  auto v = parse_model_args("model_name=gpt2,gpu_memory_utilization=0.5,max_model_length=1024", EntryPoint::vllm);
  EXPECT_EQ(v.kind, BackendKind::vllm);
  EXPECT_DOUBLE_EQ(*v.native.gpu_memory_utilisation, 0.5);
  EXPECT_EQ(v.native.max_length, 1024);
}

TEST(ModelArgs, VllmPrefixRoutesWithVllmDefaults) {
  auto v = parse_model_args("vllm,pretrained=gpt2,tensor_parallel_size=2");
  EXPECT_EQ(v.kind, BackendKind::vllm);
  EXPECT_EQ(v.native.tensor_parallel_size, 2);
  EXPECT_DOUBLE_EQ(*v.native.gpu_memory_utilisation, 0.9);  // VLLMModelConfig default
  EXPECT_EQ(v.native.multichoice_continuations_start_space, true);
  EXPECT_EQ(v.native.seed, 1234);
}

TEST(ModelArgs, DummyKeepsTheSeedAString) {
  auto d = parse_model_args("dummy");
  EXPECT_EQ(d.kind, BackendKind::dummy);
  EXPECT_EQ(d.dummy.seed, "42");
  EXPECT_TRUE(d.dummy.seed_is_int);
  auto s = parse_model_args("dummy,seed=123");
  EXPECT_EQ(s.dummy.seed, "123");
  EXPECT_FALSE(s.dummy.seed_is_int);
}

TEST(ModelArgs, RepeatedKeyLastWins) {
  EXPECT_EQ(parse_model_args("pretrained=a,pretrained=b").native.pretrained, "b");
}

TEST(ModelArgs, UnknownKeyListsValidKeys) {
  std::string e = error_of("pretrained=gpt2,temprature=0.5");
  EXPECT_NE(e.find("unknown key 'temprature'"), std::string::npos) << e;
  EXPECT_NE(e.find("valid keys:"), std::string::npos) << e;
  EXPECT_NE(e.find("max_length"), std::string::npos) << e;
  // vllm-only keys are not accelerate keys.
  EXPECT_NE(error_of("pretrained=gpt2,gpu_memory_utilisation=0.5").find("unknown key"), std::string::npos);
  EXPECT_NE(error_of("dummy,pretrained=gpt2").find("valid keys: dummy, seed"), std::string::npos);
}

TEST(ModelArgs, BadValuesNameKeyAndAllowedValues) {
  EXPECT_NE(error_of("pretrained=gpt2,max_length=abc").find("max_length=abc is not valid; max_length must be a positive integer"),
            std::string::npos);
  EXPECT_NE(error_of("pretrained=gpt2,max_length=0").find("positive integer"), std::string::npos);
  EXPECT_NE(error_of("pretrained=gpt2,dtype=float64").find("one of auto, float32, float16, bfloat16"), std::string::npos);
  EXPECT_NE(error_of("pretrained=gpt2,add_special_tokens=maybe").find("True or False"), std::string::npos);
  EXPECT_NE(error_of("pretrained=gpt2,device=tpu").find("cpu, cuda or cuda:N"), std::string::npos);
  EXPECT_NE(error_of("vllm,pretrained=gpt2,gpu_memory_utilisation=1.5").find("(0, 1]"), std::string::npos);
  EXPECT_NE(error_of("revision=main").find("needs pretrained="), std::string::npos);
  EXPECT_NE(error_of("").find("model_args is empty"), std::string::npos);
}

TEST(ModelArgs, UnbuiltPathsAreExitCodeTwo) {
  try {
    parse_model_args("pretrained=gpt2,dtype=4bit");
    FAIL() << "no error";
  } catch (const NotBuiltError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("not built yet"), std::string::npos);
  }
  EXPECT_THROW(parse_model_args("openai,model=gpt-4o"), NotBuiltError);
}

TEST(ModelArgs, ValidKeysAreSorted) {
  auto keys = valid_model_arg_keys(BackendKind::native);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_NE(std::find(keys.begin(), keys.end(), "pretrained"), keys.end());
}

}  // namespace
}  // namespace lighteval::backends
