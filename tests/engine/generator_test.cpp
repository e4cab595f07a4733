// Greedy generation with continuous batching over the paged KV cache, against (1) transformers'
// own greedy continuations of the fixture models and (2) a reference that decodes each request
// alone with no cache at all (a forward over prompt + generated at every step, argmax of the last
// row): many requests of different lengths, page pools so small that requests wait, are admitted
// mid-run and are preempted and recomputed, EOS and should_stop ending sequences early, and a
// request too big for the pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "common/test_support.h"
#include "engine/cpu_backend.h"
#include "engine/generator.h"
#include "engine/kv_pages.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::engine {
namespace {

namespace fs = std::filesystem;
using testing::read_json;

// Greedy tokens of one request decoded alone, recomputing the whole sequence at every step.
std::vector<int32_t> decode_alone(LanguageModel& m, const GenerateRequest& r) {
  std::vector<int32_t> seq = r.prompt, out;
  DeviceBuffer logits;
  for (int step = 0; step < r.max_new_tokens; ++step) {
    ForwardBatch b;
    const int n = static_cast<int>(seq.size());
    b.tokens = seq;
    for (int i = 0; i < n; ++i) {
      b.positions.push_back(i);
      b.kv_rows.push_back(i);
    }
    b.segments.push_back({0, n, 0, {}});
    b.output_rows.push_back(n - 1);
    KvCache kv(m.backend(), m.n_layers(), n, m.kv_dim(), true);
    m.forward(b, kv, logits);
    int32_t tok = 0;
    m.backend().argmax_rows(logits.get(), 1, m.vocab_size(), &tok);
    out.push_back(tok);
    seq.push_back(tok);
  }
  return out;
}

// Prompts of 1..max_prompt tokens and 1..max_new new tokens (some 0: no output), seeded.
std::vector<GenerateRequest> random_requests(int count, int vocab, int max_prompt, int max_new, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<GenerateRequest> out;
  for (int i = 0; i < count; ++i) {
    GenerateRequest r;
    const int n = 1 + static_cast<int>(rng() % max_prompt);
    for (int k = 0; k < n; ++k) r.prompt.push_back(static_cast<int32_t>(3 + rng() % (vocab - 3)));
    r.max_new_tokens = i % 11 == 5 ? 0 : 1 + static_cast<int>(rng() % max_new);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<int32_t> cut_at(std::vector<int32_t> v, size_t n) {
  if (v.size() > n) v.resize(n);
  return v;
}

class GeneratorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    model_ = model::load_transformer((testing::fixtures_dir() / "models" / GetParam()).string(), be_);
  }
  std::vector<std::vector<int32_t>> references(const std::vector<GenerateRequest>& reqs) {
    std::vector<std::vector<int32_t>> out;
    for (const auto& r : reqs) out.push_back(decode_alone(*model_, r));
    return out;
  }
  CpuBackend be_{1};
  std::unique_ptr<model::Transformer> model_;
};

// transformers' greedy continuations (prompts of 1 and 4 tokens, 12 new tokens) with a pool of
// one page (the two run one after the other), of two pages (one page each),
// and the default pool.
TEST_P(GeneratorTest, MatchesTransformersGreedyWhateverThePool) {
  const Json exp = read_json(testing::fixtures_dir() / "models" / GetParam() / "expected.json");
  std::vector<GenerateRequest> reqs;
  for (const auto& g : exp["greedy"])
    reqs.push_back({g["prompt"].get<std::vector<int32_t>>(), static_cast<int>(g["output"].size())});
  ASSERT_EQ(reqs.size(), 2u);
  for (int rows : {16, 32, 8192}) {
    GenerateOptions opt;
    opt.max_batch_tokens = rows;
    GenerateStats st;
    const auto out = generate_greedy(*model_, reqs, opt, &st);
    for (size_t i = 0; i < reqs.size(); ++i)
      EXPECT_EQ(out[i], exp["greedy"][i]["output"].get<std::vector<int32_t>>()) << "pool " << rows << " request " << i;
    EXPECT_EQ(st.max_live, rows == 16 ? 1u : 2u) << "pool " << rows;  // 16: one page, one at a time
    EXPECT_EQ(st.preemptions, 0u);
    EXPECT_EQ(st.prefill_rows, 5u);
    EXPECT_EQ(st.decode_rows, 22u);  // 11 per request: the first token comes from the prefill
    EXPECT_LE(st.kv_rows, std::max(rows, 16));
  }
}

// 40 requests of 1..40 prompt tokens and up to 20 new ones; pools from roomy to tiny, caps from
// 1 to 16, admission from optimistic to reserving: every schedule gives the tokens of decoding
// each request alone.
TEST_P(GeneratorTest, ContinuousBatchingMatchesDecodingAlone) {
  const auto reqs = random_requests(40, model_->vocab_size(), 40, 20, 5);
  const auto want = references(reqs);
  struct Case {
    int rows, cap, reserve_steps;
  };
  bool preempted = false, waited = false;
  const int dflt = GenerateOptions{}.reserve_steps;
  for (Case c : {Case{8192, 16, dflt}, Case{8192, 1, dflt}, Case{256, 7, 0}, Case{96, 16, 0}, Case{64, 16, 0},
                 Case{64, 16, 8}, Case{64, 16, dflt}}) {
    GenerateOptions opt;
    opt.max_batch_tokens = c.rows;
    opt.max_batch_sequences = c.cap;
    opt.reserve_steps = c.reserve_steps;
    GenerateStats st;
    const auto out = generate_greedy(*model_, reqs, opt, &st);
    for (size_t i = 0; i < reqs.size(); ++i)
      EXPECT_EQ(out[i], want[i]) << "pool " << c.rows << " cap " << c.cap << " request " << i;
    EXPECT_LE(st.max_live, static_cast<size_t>(c.cap));
    EXPECT_LE(st.kv_rows, std::max(c.rows, 16));
    // Alone, or with room reserved for every admitted sequence to finish (the default covers
    // these 20 new tokens), nothing is preempted.
    if (c.cap == 1 || c.reserve_steps >= 20) EXPECT_EQ(st.preemptions, 0u);
    preempted = preempted || st.preemptions > 0;
    waited = waited || st.max_live < 16;
    size_t new_tokens = 0;
    for (const auto& o : out) new_tokens += o.size();
    // Every generated token but the prefill's comes from a decode row, preempted work aside.
    if (st.preemptions == 0) EXPECT_EQ(st.decode_rows + 36, new_tokens);  // 36 requests generate
  }
  EXPECT_TRUE(preempted) << "no pool was small enough to preempt";
  EXPECT_TRUE(waited);
}

// A tiny pool: sequences are preempted and recomputed, requests admitted in the middle of others'
// decoding (the forwards are far fewer than with one request at a time).
TEST_P(GeneratorTest, PreemptionAndAdmissionMidRun) {
  std::vector<GenerateRequest> reqs;
  std::mt19937 rng(3);
  for (int i = 0; i < 12; ++i) {
    GenerateRequest r;
    for (int k = 0; k < 3 + i % 5; ++k) r.prompt.push_back(static_cast<int32_t>(3 + rng() % 200));
    r.max_new_tokens = 14 + (i * 7) % 25;  // crosses page boundaries while others run
    reqs.push_back(std::move(r));
  }
  const auto want = references(reqs);
  GenerateOptions opt;
  opt.max_batch_tokens = 5 * kKvPageRows;
  opt.reserve_steps = 0;  // admit whenever a prompt fits
  GenerateStats st;
  const auto out = generate_greedy(*model_, reqs, opt, &st);
  for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(out[i], want[i]) << "request " << i;
  EXPECT_GT(st.preemptions, 0u);
  EXPECT_GE(st.max_live, 3u);
  EXPECT_EQ(st.kv_rows, 80);
  size_t longest = 0, total = 0;
  for (const auto& r : reqs) {
    longest = std::max<size_t>(longest, r.max_new_tokens);
    total += r.max_new_tokens;
  }
  EXPECT_LT(st.forwards, total / 2);  // one at a time would take `total` forwards
  EXPECT_GE(st.forwards, longest);
}

// EOS ids end sequences early (the EOS is kept); should_stop is called once per new token, in
// order, with the tokens so far (never again for tokens recomputed after a preemption), and ends a
// sequence where it says so.
TEST_P(GeneratorTest, EosAndShouldStopEndSequencesEarly) {
  const auto reqs = random_requests(16, model_->vocab_size(), 20, 30, 9);
  const auto full = references(reqs);
  // An EOS id that some reference emits mid-way but that ends as few requests as possible (so
  // that the others grow and get preempted), and a stop rule on the third token.
  int32_t eos = -1;
  size_t fewest = reqs.size() + 1;
  for (size_t i = 1; i < full.size(); ++i) {
    if (i % 3 == 0) continue;  // those stop at 3 tokens anyway
    const auto& f = full[i];
    for (size_t k = 2; k + 1 < f.size(); ++k) {
      size_t ends = 0;
      for (const auto& g : full) ends += std::find(g.begin(), g.end(), f[k]) != g.end();
      if (ends < fewest) {
        fewest = ends;
        eos = f[k];
      }
    }
  }
  ASSERT_GE(eos, 0);
  std::vector<std::vector<int32_t>> want(reqs.size());
  size_t ended_by_eos = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    size_t n = full[i].size();
    for (size_t k = 0; k < full[i].size(); ++k)
      if (full[i][k] == eos) {
        n = k + 1;
        break;
      }
    if (i % 3 == 0) n = std::min<size_t>(n, 3);  // should_stop below
    want[i] = cut_at(full[i], n);
    ended_by_eos += n < full[i].size() && want[i].back() == eos;
  }
  ASSERT_GT(ended_by_eos, 0u);
  // The roomy default, and pools from the smallest that holds the largest request up (some of
  // them preempt).
  int largest = 0;
  for (const auto& r : reqs) largest = std::max(largest, static_cast<int>(r.prompt.size()) + r.max_new_tokens - 1);
  const int tight = KvPages::pages_for(largest) * kKvPageRows;
  size_t preemptions = 0;
  for (int rows : {8192, tight, tight + 16, tight + 32, tight + 48}) {
    GenerateOptions opt;
    opt.max_batch_tokens = rows;
    opt.reserve_steps = rows == 8192 ? 64 : 0;
    opt.eos_ids = {eos};
    std::map<size_t, std::vector<std::vector<int32_t>>> calls;
    opt.should_stop = [&](size_t idx, const std::vector<int32_t>& gen) {
      calls[idx].push_back(gen);
      return idx % 3 == 0 && gen.size() >= 3;
    };
    GenerateStats st;
    const auto out = generate_greedy(*model_, reqs, opt, &st);
    for (size_t i = 0; i < reqs.size(); ++i) {
      EXPECT_EQ(out[i], want[i]) << "pool " << rows << " request " << i;
      // One call per new token that neither is an EOS nor reaches max_new_tokens (those end the
      // sequence first), each with the tokens so far.
      const auto& c = calls[i];
      size_t expected_calls = 0;
      for (size_t k = 0; k < want[i].size(); ++k)
        expected_calls += want[i][k] != eos && static_cast<int>(k) + 1 < reqs[i].max_new_tokens;
      ASSERT_EQ(c.size(), expected_calls) << "request " << i;
      for (size_t k = 0; k < c.size(); ++k) EXPECT_EQ(c[k], cut_at(want[i], k + 1));
    }
    preemptions += st.preemptions;
  }
  EXPECT_GT(preemptions, 0u);
}

TEST_P(GeneratorTest, RequestTooBigForThePoolIsAClearError) {
  std::vector<GenerateRequest> reqs(3);
  reqs[0] = {{5, 6, 7}, 4};
  reqs[1] = {std::vector<int32_t>(30, 9), 5};  // 34 rows
  reqs[2] = {{8}, 2};
  GenerateOptions opt;
  opt.max_batch_tokens = 32;
  try {
    generate_greedy(*model_, reqs, opt);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("generation request 1 needs 34 KV rows"), std::string::npos) << msg;
    EXPECT_NE(msg.find("30 prompt tokens + 5 new tokens"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the KV cache has 32 rows"), std::string::npos) << msg;
    EXPECT_NE(msg.find("lower max_length or the generation size"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  // Exactly the pool's rows fits, alone.
  reqs[1].max_new_tokens = 3;
  GenerateStats st;
  const auto out = generate_greedy(*model_, reqs, opt, &st);
  EXPECT_EQ(out[1], decode_alone(*model_, reqs[1]));
  EXPECT_EQ(out[0], decode_alone(*model_, reqs[0]));
}

TEST_P(GeneratorTest, EmptyPromptIsAnError) {
  std::vector<GenerateRequest> reqs{{{4, 5}, 2}, {{}, 3}};
  EXPECT_THROW(generate_greedy(*model_, reqs, GenerateOptions{}), Error);
}

INSTANTIATE_TEST_SUITE_P(Models, GeneratorTest, ::testing::Values("llama_gqa_untied", "gpt2", "qwen2"));

// stories260K (a real trained model): prompts cut from its transformers greedy story, decoded
// together over a pool of 16 pages (optimistic admission preempts; reserving it all never does),
// against the 200-token transformers continuation and against
// each request decoded alone.
TEST(GeneratorStories, MixedLengthsOverASmallPool) {
  LIGHTEVAL_REQUIRE_SHARED();
  CpuBackend be(1);
  auto m = model::load_transformer((testing::assets_dir() / "hub/models/fixtures/stories260K").string(), be);
  const Json exp = read_json(testing::fixtures_dir() / "models/reference_stories260K/expected.json");
  const auto prompt0 = exp["greedy"][0]["prompt"].get<std::vector<int32_t>>();
  const auto story = exp["greedy"][0]["output"].get<std::vector<int32_t>>();
  ASSERT_EQ(story.size(), 200u);
  std::vector<GenerateRequest> reqs;
  reqs.push_back({prompt0, 200});
  for (int i = 0; i < 14; ++i) {
    const size_t begin = static_cast<size_t>(7 * i), len = static_cast<size_t>(3 + (i * 13) % 40);
    std::vector<int32_t> p = prompt0;
    p.insert(p.end(), story.begin() + begin, story.begin() + begin + len);
    reqs.push_back({p, 4 + (i * 17) % 45});
  }
  std::vector<std::vector<int32_t>> want;
  for (const auto& r : reqs) want.push_back(r.max_new_tokens == 200 ? story : decode_alone(*m, r));
  GenerateOptions opt;
  opt.max_batch_tokens = 16 * kKvPageRows;  // the 200-token story alone needs 13 pages
  opt.max_batch_sequences = 8;
  for (int steps : {0, 4, 1000}) {
    opt.reserve_steps = steps;
    GenerateStats st;
    const auto out = generate_greedy(*m, reqs, opt, &st);
    for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(out[i], want[i]) << "reserve_steps " << steps << " request " << i;
    if (steps == 0) EXPECT_GT(st.preemptions, 0u);
    if (steps == 1000) EXPECT_EQ(st.preemptions, 0u);
    EXPECT_GT(st.max_live, 1u);
  }
}

}  // namespace
}  // namespace lighteval::engine
