// The scorer against transformers (fixture log-probs) and against itself: prefix sharing must not
// change scores (within 1e-5), nor may the batch size (1, 7, automatic).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/test_support.h"
#include "engine/cpu_backend.h"
#include "engine/scorer.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::engine {
namespace {

namespace fs = std::filesystem;
using testing::read_json;

// Multiple-choice-shaped requests: a few-shot preamble shared by all, per-question contexts, four
// choices each (some sharing first tokens), plus unrelated and duplicate requests.
std::vector<ScoreRequest> mc_requests(int vocab, unsigned seed) {
  std::mt19937 rng(seed);
  auto tok = [&] { return static_cast<int32_t>(3 + rng() % (vocab - 3)); };
  std::vector<int32_t> preamble(9);
  for (auto& t : preamble) t = tok();
  std::vector<ScoreRequest> out;
  for (int q = 0; q < 6; ++q) {
    std::vector<int32_t> ctx = preamble;
    for (int i = 0; i < 3 + q % 4; ++i) ctx.push_back(tok());
    const int32_t shared_first = tok();
    for (int c = 0; c < 4; ++c) {
      std::vector<int32_t> cont;
      cont.push_back(c < 2 ? shared_first : tok());
      for (int i = 0; i < c; ++i) cont.push_back(tok());
      ScoreRequest r;
      r.input = ctx;
      r.input.insert(r.input.end(), cont.begin(), cont.end() - 1);
      r.targets = cont;
      out.push_back(r);
    }
  }
  for (int k = 0; k < 3; ++k) {
    ScoreRequest r;
    for (int i = 0; i < 5 + k; ++i) r.input.push_back(tok());
    r.targets.assign(r.input.end() - 2, r.input.end());
    r.targets[1] = tok();
    r.input.pop_back();
    r.input.push_back(r.targets[0]);
    out.push_back(r);
  }
  out.push_back(out[3]);  // exact duplicate
  return out;
}

class ScorerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    model_ = model::load_transformer((testing::fixtures_dir() / "models" / GetParam()).string(), be_);
  }
  CpuBackend be_{2};
  std::unique_ptr<model::Transformer> model_;
};

TEST_P(ScorerTest, MatchesTransformersLogprobSums) {
  const Json exp = read_json(testing::fixtures_dir() / "models" / GetParam() / "expected.json");
  std::vector<ScoreRequest> reqs;
  std::vector<double> want;
  for (const auto& seq : exp["sequences"]) {
    const auto tokens = seq["tokens"].get<std::vector<int32_t>>();
    const auto lp = seq["next_token_logprobs"].get<std::vector<double>>();
    if (tokens.size() < 2) continue;
    // Score the last k tokens given all before them, for several k.
    for (size_t k = 1; k < tokens.size(); k += 3) {
      ScoreRequest r;
      r.input.assign(tokens.begin(), tokens.end() - 1);
      r.targets.assign(tokens.end() - k, tokens.end());
      reqs.push_back(r);
      double s = 0;
      for (size_t i = lp.size() - k; i < lp.size(); ++i) s += lp[i];
      want.push_back(s);
    }
  }
  const auto got = score(*model_, reqs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i].logprob, want[i], 1e-4 * (1 + std::abs(want[i]) / 10));
}

TEST_P(ScorerTest, SharedPrefixEqualsPlainAndBatchSizeDoesNotMatter) {
  const auto reqs = mc_requests(model_->vocab_size(), 7);
  ScoreOptions plain;
  plain.share_prefixes = false;
  plain.max_batch_sequences = 1;
  ScoreStats plain_stats, shared_stats;
  const auto oracle = score(*model_, reqs, plain, &plain_stats);
  const auto shared = score(*model_, reqs, {}, &shared_stats);
  EXPECT_LT(shared_stats.rows, plain_stats.rows);  // sharing really happened
  EXPECT_EQ(plain_stats.rows, plain_stats.input_tokens);
  EXPECT_LT(shared_stats.logit_rows, plain_stats.logit_rows);  // deduplicated output rows
  for (int bs : {1, 7, 0}) {
    for (int budget : {4096, 40}) {
      ScoreOptions o;
      o.max_batch_sequences = bs;
      o.max_batch_tokens = budget;
      const auto got = score(*model_, reqs, o);
      for (size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_NEAR(got[i].logprob, oracle[i].logprob, 1e-5) << "request " << i << " batch " << bs;
        EXPECT_EQ(got[i].is_greedy, oracle[i].is_greedy) << "request " << i;
      }
    }
  }
  for (size_t i = 0; i < reqs.size(); ++i) EXPECT_NEAR(shared[i].logprob, oracle[i].logprob, 1e-5);
  EXPECT_EQ(shared.back().logprob, shared[3].logprob);
}

TEST_P(ScorerTest, GreedyFlagFollowsArgmax) {
  // A continuation made of the model's own argmax tokens is greedy; changing one token breaks it.
  std::vector<int32_t> seq = {5, 9, 17};
  for (int step = 0; step < 4; ++step) {
    ScoreRequest probe{seq, {0}};
    double best = -1e30;
    int32_t arg = 0;
    for (int32_t v = 0; v < model_->vocab_size(); ++v) {
      probe.targets = {v};
      const double lp = score(*model_, {probe})[0].logprob;
      if (lp > best) {
        best = lp;
        arg = v;
      }
    }
    seq.push_back(arg);
  }
  ScoreRequest r{{seq.begin(), seq.end() - 1}, {seq.end() - 4, seq.end()}};
  EXPECT_TRUE(score(*model_, {r})[0].is_greedy);
  r.targets[2] = (r.targets[2] + 1) % model_->vocab_size();
  EXPECT_FALSE(score(*model_, {r})[0].is_greedy);
}

TEST_P(ScorerTest, RejectsBadRequests) {
  EXPECT_THROW(score(*model_, {ScoreRequest{{}, {}}}), Error);
  EXPECT_THROW(score(*model_, {ScoreRequest{{1}, {1, 2}}}), Error);
  EXPECT_THROW(score(*model_, {ScoreRequest{{1, 100000}, {1}}}), Error);
}

TEST_P(ScorerTest, LargeBatchesAndLogitRowCapsGiveTheSameScores) {
  // 40 unrelated requests of 40-63 tokens: one batch of ~2000 rows spans several MLP row chunks
  // (Transformer::kMlpChunkRows); the oracle scores each request alone.
  std::mt19937 rng(11);
  std::vector<ScoreRequest> reqs;
  for (int i = 0; i < 40; ++i) {
    ScoreRequest r;
    const int n = 40 + static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) r.input.push_back(static_cast<int32_t>(rng() % model_->vocab_size()));
    for (int k = 0; k < 1 + i % 5; ++k) r.targets.push_back(static_cast<int32_t>(rng() % model_->vocab_size()));
    reqs.push_back(r);
  }
  ScoreOptions alone;
  alone.max_batch_sequences = 1;
  const auto oracle = score(*model_, reqs, alone);
  ScoreOptions big;
  big.max_batch_tokens = 4096;
  ScoreStats big_stats;
  const auto got = score(*model_, reqs, big, &big_stats);
  EXPECT_EQ(big_stats.batches, 1u);
  EXPECT_GT(big_stats.rows, static_cast<size_t>(2 * model::Transformer::kMlpChunkRows));
  ScoreOptions capped;
  capped.max_logit_rows = 7;
  ScoreStats capped_stats;
  const auto got_capped = score(*model_, reqs, capped, &capped_stats);
  EXPECT_GE(capped_stats.batches, 120u / 7);  // 120 targets, at most 7 per batch
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_NEAR(got[i].logprob, oracle[i].logprob, 1e-5) << "request " << i;
    EXPECT_EQ(got[i].is_greedy, oracle[i].is_greedy) << "request " << i;
    EXPECT_NEAR(got_capped[i].logprob, oracle[i].logprob, 1e-5) << "request " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ScorerTest, ::testing::Values("gpt2", "llama_gqa_untied", "qwen2"));

}  // namespace
}  // namespace lighteval::engine
