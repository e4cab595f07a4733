// Our sacrebleu port against sacrebleu itself: tests/fixtures/metrics/nlp_reference.json is
// written by scripts/fixtures/metrics_nlp_reference.py with sacrebleu 2.6 and scikit-learn 1.9
// (run on the GPU machine, where they are installed). Plus the lighteval-level pairing fix.
#include "metrics/sacrebleu.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "metrics/corpus_metrics.h"
#include "metrics/registry.h"
#include "util/error.h"
#include "util/json.h"

namespace {

using lighteval::Json;
namespace m = lighteval::metrics;
namespace sb = lighteval::metrics::sacrebleu;

const Json& reference() {
  static const Json j = [] {
    std::ifstream in(lighteval::testing::fixtures_dir() / "metrics" / "nlp_reference.json");
    EXPECT_TRUE(in.good());
    return Json::parse(in);
  }();
  return j;
}

std::vector<std::string> strings(const Json& a) {
  std::vector<std::string> v;
  for (const auto& x : a) v.push_back(x.get<std::string>());
  return v;
}

TEST(Sacrebleu, Tokenizer13aMatchesSacrebleu) {
  for (const auto& row : reference()["sacrebleu"]["tokenize_13a"])
    EXPECT_EQ(sb::tokenize_13a(row[0].get<std::string>()), row[1].get<std::string>()) << row[0];
}

TEST(Sacrebleu, SentenceScoresMatchSacrebleu) {
  for (const auto& p : reference()["sacrebleu"]["pairs"]) {
    SCOPED_TRACE(p["hyp"].get<std::string>());
    std::vector<std::string> hyps = {p["hyp"].get<std::string>()};
    sb::References refs = {strings(p["refs"])};
    EXPECT_NEAR(sb::corpus_bleu(hyps, refs), p["bleu"].get<double>(), 1e-9);
    EXPECT_NEAR(sb::corpus_chrf(hyps, refs), p["chrf"].get<double>(), 1e-9);
    EXPECT_NEAR(sb::corpus_ter(hyps, refs), p["ter"].get<double>(), 1e-9);
  }
}

TEST(Sacrebleu, CorpusScoresMatchSacrebleu) {
  const Json& c = reference()["sacrebleu"]["corpus"];
  std::vector<std::string> hyps = strings(c["hyps"]);
  sb::References refs;
  for (const auto& r : c["refs"]) refs.push_back(strings(r));
  EXPECT_NEAR(sb::corpus_bleu(hyps, refs), c["bleu"].get<double>(), 1e-9);
  EXPECT_NEAR(sb::corpus_chrf(hyps, refs), c["chrf"].get<double>(), 1e-9);
  EXPECT_NEAR(sb::corpus_ter(hyps, refs), c["ter"].get<double>(), 1e-9);
}

TEST(Sacrebleu, LightevalMetricsPairEachPredictionWithItsOwnGolds) {
  // The registry's bleu/chrf/ter score prediction i against the golds of doc i: the same corpus
  // as the fixture's, fed as lighteval samples, must give sacrebleu's corpus scores.
  const Json& c = reference()["sacrebleu"]["corpus"];
  for (const char* name : {"bleu", "chrf", "ter"}) {
    m::MetricDef def = m::find_metric(name);
    std::vector<m::SampleValue> values;
    for (size_t i = 0; i < c["hyps"].size(); ++i) {
      m::SampleInput in;
      in.predictions = {c["hyps"][i].get<std::string>()};
      in.golds = strings(c["refs"][i]);
      values.push_back(m::compute_sample(def, in).at(0).second);
    }
    EXPECT_NEAR(m::aggregate(def.outputs[0], values), c[name].get<double>(), 1e-9) << name;
  }
}

TEST(Sacrebleu, EmptyAndMismatchedInputs) {
  EXPECT_EQ(sb::corpus_ter({""}, {{""}}), 0.0);   // both empty
  EXPECT_EQ(sb::corpus_ter({"a b"}, {{""}}), 100.0);  // empty reference, non-empty hypothesis
  EXPECT_EQ(sb::corpus_bleu({""}, {{"a b c"}}), 0.0);
  EXPECT_THROW(sb::corpus_bleu({"a", "b"}, {{"a"}}), lighteval::Error);
  EXPECT_THROW(sb::corpus_chrf({"a"}, {{}}), lighteval::Error);
}

TEST(Sklearn, F1AndMccMatchScikitLearn) {
  for (const auto& c : reference()["sklearn"]["cases"]) {
    std::vector<long> t, p;
    for (const auto& x : c["true"]) t.push_back(x.get<long>());
    for (const auto& x : c["pred"]) p.push_back(x.get<long>());
    auto per = m::f1_per_class(t, p);
    ASSERT_EQ(per.size(), c["f1_none"].size());
    double macro = 0;
    for (size_t i = 0; i < per.size(); ++i) {
      EXPECT_NEAR(per[i], c["f1_none"][i].get<double>(), 1e-12);
      macro += per[i];
    }
    EXPECT_NEAR(macro / static_cast<double>(per.size()), c["f1_macro"].get<double>(), 1e-12);
    EXPECT_NEAR(m::f1_micro(t, p), c["f1_micro"].get<double>(), 1e-12);
    EXPECT_NEAR(m::matthews_corrcoef(t, p), c["mcc"].get<double>(), 1e-12);
  }
}

}  // namespace
