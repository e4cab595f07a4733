// lighteval's own metric unit tests (tests/unit/metrics/test_cases/*.json, read from
// ../shared/assets/raw/lighteval-metric-test-cases/) run through our registry the way upstream's
// test_metrics_automated.py runs them: a Doc {query, choices, gold_index, specific} and a
// ModelResponse {text, logprobs, output_tokens, argmax_logits_eq_gold}, compared per key with the
// case's absolute tolerance.
//
// Where upstream's harness does not compare a value, or encodes behaviour we deliberately fix, the
// test says so next to the case:
//  * Sample-level cases of corpus metrics (target_perplexity, bits_per_byte, loglikelihood_f1):
//    upstream only checks that the key exists, because the sample value is a CorpusMetricInput;
//    their "expected" numbers are never compared upstream (several are not achievable, e.g. a
//    perplexity of 0.0). We check the key, and for loglikelihood_f1 also the value of the corpus
//    of that one sample, which does match the file.
//  * chrf and ter: lighteval passes `references=[item.golds ...]` to sacrebleu, which reads it as
//    one reference *stream* per item; Python's zip() then keeps only the first hypothesis and
//    scores it against every item's gold. The expected values encode that. We check our sacrebleu
//    port on exactly that call shape (so the numbers are verified), and our lighteval-level
//    metric pairs hypothesis i with the golds of item i (the fix), checked on the cases where
//    both agree (perfect translations) and by hand-computed cases in sacrebleu_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/test_support.h"
#include "metrics/registry.h"
#include "metrics/sacrebleu.h"
#include "util/json.h"

namespace {

using lighteval::Json;
namespace m = lighteval::metrics;

std::filesystem::path cases_dir() {
  return lighteval::testing::assets_dir() / "raw" / "lighteval-metric-test-cases";
}

Json load(const std::string& file) {
  std::ifstream in(cases_dir() / file);
  EXPECT_TRUE(in.good()) << "cannot read " << (cases_dir() / file);
  return Json::parse(in);
}

std::vector<int> gold_indices(const Json& doc) {
  std::vector<int> g;
  const Json& gi = doc.contains("gold_index") ? doc["gold_index"] : Json(0);
  if (gi.is_array())
    for (const auto& x : gi) g.push_back(x.get<int>());
  else
    g.push_back(gi.get<int>());
  return g;
}

m::SampleInput to_input(const Json& doc, const Json& resp) {
  m::SampleInput in;
  in.gold_indices = gold_indices(doc);
  for (const auto& c : doc.value("choices", Json::array())) in.choices.push_back(c.get<std::string>());
  for (int g : in.gold_indices) in.golds.push_back(in.choices.at(static_cast<size_t>(g)));  // Doc.get_golds()
  for (const auto& t : resp.value("text", Json::array())) in.predictions.push_back(t.get<std::string>());
  double sum = 0;
  for (const auto& lp : resp.value("logprobs", Json::array())) {
    in.logprobs.push_back(lp.get<double>());
    sum += lp.get<double>();
  }
  in.rolling_logprob = sum;  // upstream's preparators sum model_response.logprobs
  in.reference_text = doc.value("query", std::string());
  for (const auto& t : resp.value("output_tokens", Json::array()))
    in.choice_token_counts.push_back(static_cast<int>(t.size()));
  for (const auto& a : resp.value("argmax_logits_eq_gold", Json::array()))
    in.is_greedy.push_back(a.is_boolean() ? a.get<bool>() : a.get<double>() != 0);
  in.specific = doc.value("specific", Json::object());
  return in;
}

double number(const Json& v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }

const std::set<std::string> kKeyOnly = {"target_perplexity", "bits_per_byte"};

// Runs every sample-level case of a file; counts them in *checked.
void run_sample_cases(const std::string& file, int* checked) {
  Json suite = load(file);
  for (const auto& c : suite["test_cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::string cls = c["metric_class"];
    m::MetricDef def = m::find_metric(cls, c.value("metric_params", Json::object()));
    m::SampleResult got = m::compute_sample(def, to_input(c["doc"], c["model_response"]));
    const Json& expected = c["expected_output"];
    double tol = c.value("tolerance", 1e-2);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [key, value] : got) {
      ASSERT_TRUE(expected.contains(key)) << "unexpected key " << key;
      if (kKeyOnly.count(cls)) {
        EXPECT_TRUE(value.item.has_value()) << key << " should be a corpus item";
        continue;
      }
      double actual = value.item ? m::aggregate(def.outputs[0], {value}) : value.value;
      EXPECT_NEAR(actual, number(expected[key]), tol) << key;
    }
    ++*checked;
  }
}

double run_corpus_metric(const Json& c) {
  m::MetricDef def = m::find_metric(c["metric_class"].get<std::string>());
  std::vector<m::SampleValue> values;
  for (size_t i = 0; i < c["docs"].size(); ++i) {
    auto res = m::compute_sample(def, to_input(c["docs"][i], c["model_responses"][i]));
    for (auto& [k, v] : res)
      if (k == c["metric_name"].get<std::string>()) values.push_back(v);
  }
  return m::aggregate(def.outputs[0], values);
}

class SampleCases : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleCases, MatchUpstreamExpectations) {
  LIGHTEVAL_REQUIRE_SHARED();
  int checked = 0;
  run_sample_cases(GetParam(), &checked);
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Files, SampleCases,
    ::testing::Values("acc_golds_likelihood.json", "bits_per_byte.json", "bleu_4.json",
                      "exact_match.json", "f1_score.json", "loglikelihood_acc.json",
                      "loglikelihood_f1.json", "maj_at_k.json", "mrr.json", "pass_at_k.json",
                      "recall_at_k.json", "rouge1.json", "rougeL.json", "target_perplexity.json",
                      "truthfulqa_mc_metrics.json"),
    [](const auto& info) {
      std::string n = info.param.substr(0, info.param.size() - 5);
      return n;
    });

class DirectCorpusCases : public ::testing::TestWithParam<std::string> {};

TEST_P(DirectCorpusCases, MatchUpstreamExpectations) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json suite = load(GetParam());
  ASSERT_TRUE(suite.value("corpus_level", false));
  for (const auto& c : suite["test_cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_NEAR(run_corpus_metric(c), c["expected_output"].get<double>(), c.value("tolerance", 1e-2));
  }
}

INSTANTIATE_TEST_SUITE_P(Files, DirectCorpusCases,
                         ::testing::Values("bleu.json", "mcc.json", "word_perplexity.json"),
                         [](const auto& info) { return info.param.substr(0, info.param.size() - 5); });

// chrf/ter: the expected values come from sacrebleu called with lighteval's reference layout.
class StreamShapeCases : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamShapeCases, SacrebleuPortMatchesUpstreamCallShape) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json suite = load(GetParam());
  for (const auto& c : suite["test_cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<std::string> hyps;
    std::vector<std::vector<std::string>> streams;  // lighteval: [item.golds for item in items]
    for (size_t i = 0; i < c["docs"].size(); ++i) {
      auto in = to_input(c["docs"][i], c["model_responses"][i]);
      hyps.push_back(in.predictions.at(0));
      streams.push_back(in.golds);
    }
    auto refs = lighteval::metrics::sacrebleu::transpose_streams(streams);
    hyps.resize(refs.size());  // zip(hypotheses, ref_cache) stops at the shorter
    double got = GetParam() == "chrf.json" ? lighteval::metrics::sacrebleu::corpus_chrf(hyps, refs)
                                           : lighteval::metrics::sacrebleu::corpus_ter(hyps, refs);
    EXPECT_NEAR(got, c["expected_output"].get<double>(), c.value("tolerance", 1e-2));
  }
}

TEST_P(StreamShapeCases, FixedPairingAgreesOnPerfectTranslations) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json suite = load(GetParam());
  const Json& c = suite["test_cases"][0];
  ASSERT_NE(c["name"].get<std::string>().find("Perfect"), std::string::npos);
  EXPECT_NEAR(run_corpus_metric(c), c["expected_output"].get<double>(), 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Files, StreamShapeCases, ::testing::Values("chrf.json", "ter.json"),
                         [](const auto& info) { return info.param.substr(0, info.param.size() - 5); });

TEST(LightevalCases, EveryCaseFileIsCovered) {
  LIGHTEVAL_REQUIRE_SHARED();
  std::set<std::string> covered = {"acc_golds_likelihood.json", "bits_per_byte.json", "bleu_4.json",
                                   "exact_match.json", "f1_score.json", "loglikelihood_acc.json",
                                   "loglikelihood_f1.json", "maj_at_k.json", "mrr.json",
                                   "pass_at_k.json", "recall_at_k.json", "rouge1.json", "rougeL.json",
                                   "target_perplexity.json", "truthfulqa_mc_metrics.json", "bleu.json",
                                   "mcc.json", "word_perplexity.json", "chrf.json", "ter.json"};
  for (const auto& e : std::filesystem::directory_iterator(cases_dir()))
    EXPECT_TRUE(covered.count(e.path().filename().string())) << e.path().filename() << " is not run";
}

}  // namespace
