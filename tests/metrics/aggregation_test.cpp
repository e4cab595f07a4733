// Aggregation: mean and mean_stderr against hand-computed values; the bootstrap against
// tests/fixtures/metrics/bootstrap_reference.json, written by
// scripts/fixtures/metrics_bootstrap_reference.py with CPython's random module (stdlib only).
#include "metrics/aggregation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/test_support.h"
#include "metrics/registry.h"
#include "util/json.h"
#include "util/py_random.h"

namespace {

using lighteval::Json;
namespace m = lighteval::metrics;

TEST(Aggregation, MeanAndStderrByHand) {
  // [1, 0, 1, 1]: mean 0.75; deviations 0.25, -0.75, 0.25, 0.25 -> var (ddof=1) = 0.75/3 = 0.25,
  // std 0.5, stderr 0.5 / sqrt(4) = 0.25.
  EXPECT_DOUBLE_EQ(m::mean({1, 0, 1, 1}), 0.75);
  EXPECT_DOUBLE_EQ(m::sample_stddev({1, 0, 1, 1}), 0.5);
  EXPECT_DOUBLE_EQ(m::mean_stderr({1, 0, 1, 1}), 0.25);
  // [2, 4, 4, 4, 5, 5, 7, 9]: sum of squares 32 -> var 32/7, stderr sqrt(32/7)/sqrt(8).
  EXPECT_NEAR(m::mean_stderr({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 1e-15);
  EXPECT_TRUE(std::isnan(m::mean({})));
}

TEST(Aggregation, RegistryStderrOnlyForMoreThanOneSample) {
  auto acc = m::find_metric("loglikelihood_acc");
  std::vector<m::SampleValue> one = {{1.0, std::nullopt}};
  EXPECT_FALSE(m::standard_error(acc.outputs[0], one).has_value());
  std::vector<m::SampleValue> four = {{1, {}}, {0, {}}, {1, {}}, {1, {}}};
  EXPECT_DOUBLE_EQ(m::aggregate(acc.outputs[0], four), 0.75);
  EXPECT_DOUBLE_EQ(*m::standard_error(acc.outputs[0], four), 0.25);
}

Json bootstrap_reference() {
  std::ifstream in(lighteval::testing::fixtures_dir() / "metrics" / "bootstrap_reference.json");
  EXPECT_TRUE(in.good());
  return Json::parse(in);
}

TEST(Bootstrap, SameDrawsAsCPython) {
  Json ref = bootstrap_reference();
  lighteval::util::PyRandom rnd(0);
  for (const auto& expected : ref["first_indices"]) {
    auto got = rnd.choices(7, 7);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i].get<size_t>());
  }
}

TEST(Bootstrap, CorpusStderrIsTheStdOfTheDraws) {
  Json ref = bootstrap_reference();
  const std::map<std::string, std::string> metric_of = {{"weighted_perplexity", "word_perplexity"},
                                                        {"perplexity", "target_perplexity"},
                                                        {"bits_per_byte", "bits_per_byte"}};
  for (const auto& c : ref["cases"]) {
    SCOPED_TRACE(c["metric"].get<std::string>());
    auto def = m::find_metric(metric_of.at(c["metric"].get<std::string>()));
    std::vector<m::SampleValue> values;
    for (const auto& it : ref["items"]) {
      m::CorpusItem item;
      item.kind = m::CorpusItem::Kind::Perplexity;
      item.logprob = it[0].get<double>();
      item.weight = it[1].get<double>();
      values.push_back({0, item});
    }
    double value = c["value"].get<double>(), stderr_ = c["stderr"].get<double>();
    EXPECT_NEAR(m::aggregate(def.outputs[0], values), value, 1e-12 * std::fabs(value));
    double got = *m::standard_error(def.outputs[0], values);
    EXPECT_NEAR(got, stderr_, 1e-9 * stderr_);
    // lighteval v0.5 reports sqrt(1000) times less; we fix that on purpose.
    EXPECT_NEAR(got / std::sqrt(1000.0), c["stderr_lighteval_v05"].get<double>(), 1e-9 * stderr_);
  }
}

TEST(Bootstrap, TranslationStatsShortcutEqualsRescoringEachResample) {
  // The registry bootstraps BLEU/chrF/TER over summed sentence statistics; rescoring each
  // resample from the texts (what lighteval does) must give the same draws.
  std::vector<m::CorpusItem> items;
  const char* hyps[] = {"the cat sat", "a dog barked loudly", "hello world", "it rains today", "x y z"};
  const char* refs[] = {"the cat sat down", "the dog barked", "hello there world", "today it rains", "x y"};
  for (int i = 0; i < 5; ++i) {
    m::CorpusItem it;
    it.kind = m::CorpusItem::Kind::Generative;
    it.pred_texts = {hyps[i]};
    it.gold_texts = {refs[i]};
    items.push_back(it);
  }
  std::vector<m::SampleValue> values;
  for (const auto& it : items) values.push_back({0, it});
  for (const char* name : {"bleu", "chrf", "ter"}) {
    auto out = m::find_metric(name).outputs[0];
    double fast = *m::standard_error(out, values, 200);
    double slow = m::bootstrap_stderr(
        items.size(),
        [&](const std::vector<size_t>& idx) {
          std::vector<m::CorpusItem> draw;
          for (size_t i : idx) draw.push_back(items[i]);
          return m::corpus_aggregate(out.corpus_fn, draw);
        },
        200);
    EXPECT_NEAR(fast, slow, 1e-9) << name;
    EXPECT_GT(fast, 0.0) << name;
  }
}

TEST(Aggregation, OverflowBecomesNan) {
  // math.exp raises OverflowError for a perplexity this large; lighteval stores NaN.
  auto def = m::find_metric("target_perplexity");
  m::SampleInput in;
  in.logprobs = {-1000.0};
  in.golds = {"x"};
  auto v = m::compute_sample(def, in).at(0).second;
  EXPECT_TRUE(std::isnan(m::aggregate(def.outputs[0], {v, v})));
  EXPECT_TRUE(std::isnan(*m::standard_error(def.outputs[0], {v, v})));
}

}  // namespace
