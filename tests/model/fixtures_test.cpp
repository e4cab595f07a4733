// Our forward pass against HF transformers: tests/fixtures/models/* were written by
// scripts/fixtures/make_model_fixtures.py (transformers 5.17, fp32, CPU) and hold the reference
// next-token log-probs at every position, the argmax at every position, the full log-softmax of the
// last position and greedy continuations.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/cpu_backend.h"
#include "engine/generator.h"
#include "model/transformer.h"
#include "common/test_support.h"
#include "util/json.h"

namespace lighteval::model {
namespace {

namespace fs = std::filesystem;
using testing::read_json;
using testing::fixtures_dir;

// Log-softmax rows of every position of `tokens`, computed by the engine.
std::vector<std::vector<double>> all_logprobs(Transformer& m, const std::vector<int32_t>& tokens) {
  engine::ForwardBatch b;
  b.tokens = tokens;
  const int n = static_cast<int>(tokens.size());
  for (int i = 0; i < n; ++i) {
    b.positions.push_back(i);
    b.kv_rows.push_back(i);
    b.output_rows.push_back(i);
  }
  b.segments.push_back({0, n, 0, {}});
  engine::KvCache kv(m.backend(), m.n_layers(), n, m.kv_dim(), true);
  engine::DeviceBuffer logits;
  m.forward(b, kv, logits);
  const int V = m.vocab_size();
  std::vector<std::vector<double>> out(n, std::vector<double>(V));
  std::vector<int32_t> rows, targets;
  for (int i = 0; i < n; ++i)
    for (int v = 0; v < V; ++v) {
      rows.push_back(i);
      targets.push_back(v);
    }
  std::vector<double> lp(rows.size());
  std::vector<uint8_t> g(rows.size());
  m.backend().logprob_gather(logits.get(), rows, targets, V, lp.data(), g.data());
  for (int i = 0; i < n; ++i)
    for (int v = 0; v < V; ++v) out[i][v] = lp[static_cast<size_t>(i) * V + v];
  return out;
}

void check_against_reference(Transformer& m, const Json& expected, const std::string& name) {
  for (const auto& seq : expected["sequences"]) {
    const auto tokens = seq["tokens"].get<std::vector<int32_t>>();
    const auto lp = all_logprobs(m, tokens);
    const auto next = seq["next_token_logprobs"].get<std::vector<double>>();
    const auto argmax = seq["argmax"].get<std::vector<int>>();
    ASSERT_EQ(next.size() + 1, tokens.size());
    for (size_t i = 0; i < next.size(); ++i)
      EXPECT_NEAR(lp[i][tokens[i + 1]], next[i], 1e-4) << name << " position " << i;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const auto& row = lp[i];
      const int best = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
      EXPECT_EQ(best, argmax[i]) << name << " argmax at position " << i;
    }
    const auto last = seq["last_logsoftmax"].get<std::vector<double>>();
    ASSERT_EQ(last.size(), lp.back().size());
    for (size_t v = 0; v < last.size(); ++v) EXPECT_NEAR(lp.back()[v], last[v], 1e-4) << name << " vocab " << v;
  }
  // Greedy continuations, decoded with the KV cache, several sequences in one group.
  std::vector<engine::GenerateRequest> reqs;
  for (const auto& g : expected["greedy"])
    reqs.push_back({g["prompt"].get<std::vector<int32_t>>(), static_cast<int>(g["output"].size())});
  engine::GenerateOptions opt;
  const auto out = engine::generate_greedy(m, reqs, opt);
  for (size_t i = 0; i < reqs.size(); ++i)
    EXPECT_EQ(out[i], expected["greedy"][i]["output"].get<std::vector<int32_t>>()) << name << " greedy " << i;
}

class FixtureModels : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureModels, MatchesTransformers) {
  const fs::path dir = fixtures_dir() / "models" / GetParam();
  engine::CpuBackend be(2);
  auto m = load_transformer(dir.string(), be);
  check_against_reference(*m, read_json(dir / "expected.json"), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Architectures, FixtureModels,
                         ::testing::Values("gpt2", "llama_gqa_untied", "llama_tied", "llama3_rope", "mistral",
                                           "qwen2"));

TEST(RealModels, TinyRandomGpt2MatchesTransformers) {
  LIGHTEVAL_REQUIRE_SHARED();
  engine::CpuBackend be(2);
  auto m = load_transformer((testing::assets_dir() / "hub/models/hf-internal-testing/tiny-random-gpt2").string(), be);
  EXPECT_EQ(m->parameter_count(), 111968u);  // the assets README's count
  check_against_reference(*m, read_json(fixtures_dir() / "models/reference_tiny-random-gpt2/expected.json"),
                          "tiny-random-gpt2");
}

TEST(RealModels, Stories260KGreedy200MatchesTransformers) {
  LIGHTEVAL_REQUIRE_SHARED();
  engine::CpuBackend be(2);
  auto m = load_transformer((testing::assets_dir() / "hub/models/fixtures/stories260K").string(), be);
  check_against_reference(*m, read_json(fixtures_dir() / "models/reference_stories260K/expected.json"),
                          "stories260K");
}

}  // namespace
}  // namespace lighteval::model
