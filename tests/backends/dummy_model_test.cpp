#include "backends/dummy_model.h"

#include <gtest/gtest.h>

#include "backends/factory.h"
#include "util/error.h"

namespace lighteval::backends {
namespace {

// Expected values from CPython 3:
//   r = random.Random(42); [-r.random() for _ in range(5)]
//   r = random.Random("123"); [-r.random() for _ in range(3)]
const double kSeed42[] = {-0.6394267984578837, -0.025010755222666936, -0.27502931836911926, -0.22321073814882275,
                          -0.7364712141640124};
const double kSeedStr123[] = {-0.726645656476562, -0.32226554672050656, -0.06071929831174494};

TEST(DummyModel, LoglikelihoodIsMinusRandomInRequestOrder) {
  DummyModel m(DummyModelConfig{});
  std::vector<LoglikelihoodRequest> reqs(3, LoglikelihoodRequest{"ctx", " a"});
  auto r = m.loglikelihood(reqs);
  ASSERT_EQ(r.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].logprob, kSeed42[i]);
    EXPECT_FALSE(r[i].is_greedy);
  }
  // Rolling and single-token requests continue the same generator, as in dummy_model.py.
  std::vector<RollingRequest> rolling(1, RollingRequest{"text"});
  EXPECT_EQ(m.loglikelihood_rolling(rolling)[0].logprob, kSeed42[3]);
  std::vector<SingleTokenRequest> single(1, SingleTokenRequest{"ctx", {" A"}});
  EXPECT_EQ(m.loglikelihood_single_token(single)[0].logprobs, std::vector<double>{kSeed42[4]});
}

TEST(DummyModel, CommandLineSeedSeedsFromTheString) {
  auto args = parse_model_args("dummy,seed=123");
  auto m = make_model(args);
  std::vector<LoglikelihoodRequest> reqs(3, LoglikelihoodRequest{"c", "d"});
  auto r = m->loglikelihood(reqs);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r[i].logprob, kSeedStr123[i]);
  EXPECT_EQ(m->info().model_name, "dummy");
  EXPECT_EQ(m->info().model_sha, "123");
}

TEST(DummyModel, GenerationIsRandomBaseline) {
  DummyModel m(DummyModelConfig{});
  std::vector<GenerationRequest> reqs(2);
  auto r = m.greedy_until(reqs);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].texts, std::vector<std::string>{"random baseline"});
  // Generation draws no random numbers.
  std::vector<LoglikelihoodRequest> ll(1, LoglikelihoodRequest{"c", "d"});
  EXPECT_EQ(m.loglikelihood(ll)[0].logprob, kSeed42[0]);
}

TEST(Factory, ParallelSetupsAreNotBuiltYet) {
  EXPECT_THROW(make_model(parse_model_args("pretrained=gpt2,model_parallel=True")), NotBuiltError);
  EXPECT_THROW(make_model(parse_model_args("vllm,pretrained=gpt2,tensor_parallel_size=2")), NotBuiltError);
  EXPECT_THROW(make_model(parse_model_args("vllm,pretrained=gpt2,data_parallel_size=4")), NotBuiltError);
}

}  // namespace
}  // namespace lighteval::backends
