// The registry: v0.5 enum names, keys, categories and the config_tasks JSON, errors for bad
// names or inputs, and the multiple-choice formulas on cases worked out by hand from research
// §5.2 (numpy argmax takes the first maximum; acc_norm divides by Python len, i.e. code points).
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace {

using lighteval::Json;
namespace m = lighteval::metrics;

double value(const std::string& metric, const m::SampleInput& in, size_t key = 0) {
  return m::compute_sample(m::find_metric(metric), in).at(key).second.value;
}

m::SampleInput mc(std::vector<std::string> choices, std::vector<double> lp, std::vector<int> golds) {
  m::SampleInput in;
  in.choices = std::move(choices);
  in.logprobs = std::move(lp);
  in.gold_indices = std::move(golds);
  return in;
}

TEST(Registry, KeysCategoriesAndConfigJson) {
  auto norm = m::find_metric("loglikelihood_acc_norm");
  EXPECT_EQ(norm.config_json().dump(),
            R"({"metric_name":"acc_norm","higher_is_better":true,"category":"8","use_case":"1",)"
            R"("sample_level_fn":"compute","corpus_level_fn":"mean"})");
  auto tqa = m::find_metric("truthfulqa_mc_metrics");
  EXPECT_EQ(tqa.config_json().dump(),
            R"({"metric_name":["truthfulqa_mc1","truthfulqa_mc2"],"higher_is_better":{"truthfulqa_mc1":true,)"
            R"("truthfulqa_mc2":true},"category":"8","use_case":"1","sample_level_fn":"truthfulqa_mc_metrics",)"
            R"("corpus_level_fn":{"truthfulqa_mc1":"mean","truthfulqa_mc2":"mean"}})");
  EXPECT_EQ(m::find_metric("quasi_exact_match_gsm8k").outputs[0].key, "qem");
  EXPECT_EQ(m::find_metric("quasi_exact_match_gsm8k").category, m::MetricCategory::Generative);
  EXPECT_EQ(m::find_metric("target_perplexity").category, m::MetricCategory::TargetPerplexity);
  EXPECT_EQ(m::find_metric("target_perplexity").outputs[0].key, "ppl");
  EXPECT_FALSE(m::find_metric("word_perplexity").outputs[0].higher_is_better);
  EXPECT_EQ(m::find_metric("word_perplexity").category, m::MetricCategory::Perplexity);
  EXPECT_EQ(m::find_metric("loglikelihood_acc_single_token").category, m::MetricCategory::MultichoiceOneToken);
  EXPECT_EQ(m::find_metric("loglikelihood_acc_norm_pmi").category, m::MetricCategory::MultichoicePmi);
  EXPECT_EQ(m::find_metric("maj_at_8_gsm8k").category, m::MetricCategory::GenerativeSampling);
  EXPECT_EQ(m::find_metric("maj_at_8_gsm8k").num_samples, 8);
  EXPECT_EQ(m::find_metric("mcc").config_json()["corpus_level_fn"], "matthews_corrcoef");
  EXPECT_EQ(m::category_name(m::MetricCategory::MultichoiceOneToken), "MULTICHOICE_ONE_TOKEN");
  EXPECT_EQ(m::category_value(m::MetricCategory::Ignored), "11");
  for (const auto& d : m::all_metrics()) EXPECT_TRUE(m::has_metric(d.name)) << d.name;
}

TEST(Registry, UnknownMetricListsValidNames) {
  try {
    m::find_metric("loglikelihood_accuracy");
    FAIL() << "expected an error";
  } catch (const lighteval::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown metric 'loglikelihood_accuracy'"), std::string::npos);
    EXPECT_NE(msg.find("loglikelihood_acc_norm_nospace"), std::string::npos);
    EXPECT_NE(msg.find("truthfulqa_mc_metrics"), std::string::npos);
  }
  EXPECT_THROW(m::find_metric("maj_at_k", Json{{"k", 0}}), lighteval::Error);
  EXPECT_THROW(m::find_metric("pass_at_k", Json{{"k", 2}}), lighteval::Error);
}

TEST(Registry, BadSamplesGiveErrors) {
  EXPECT_THROW(value("loglikelihood_acc", mc({"a"}, {}, {0})), lighteval::Error);
  EXPECT_THROW(value("loglikelihood_acc_norm", mc({}, {-1.0, -2.0}, {0})), lighteval::Error);
  EXPECT_THROW(value("truthfulqa_mc_metrics", mc({"a", "b"}, {-1, -2}, {0, 1})), lighteval::Error);
  m::SampleInput gen;
  gen.golds = {"a", "b"};
  gen.predictions = {"a"};
  EXPECT_THROW(value("maj_at_5", gen), lighteval::Error);  // maj@k needs exactly one gold
  gen.golds = {};
  EXPECT_THROW(value("exact_match", gen), lighteval::Error);
}

TEST(MultipleChoice, NormalisationsDifferAsDocumented) {
  // Code points, not bytes: "ééé" is 3 long (6 bytes). -3/3 = -1 < -3.5/4 = -0.875 -> choice 1.
  EXPECT_EQ(value("loglikelihood_acc_norm", mc({"ééé", "abcd"}, {-3.0, -3.5}, {1})), 1.0);
  EXPECT_EQ(value("loglikelihood_acc", mc({"ééé", "abcd"}, {-3.0, -3.5}, {1})), 0.0);
  // nospace ignores one leading space: " A" -> 1, " BB" -> 2: -1 vs -0.75 -> choice 1; plain
  // char norm gives -0.5 vs -0.5, a tie that numpy resolves to the first.
  EXPECT_EQ(value("loglikelihood_acc_norm_nospace", mc({" A", " BB"}, {-1.0, -1.5}, {1})), 1.0);
  EXPECT_EQ(value("loglikelihood_acc_norm", mc({" A", " BB"}, {-1.0, -1.5}, {1})), 0.0);
  // Token norm: -4/4 = -1 beats -3/2 = -1.5.
  auto tok = mc({"x", "y"}, {-4.0, -3.0}, {0});
  tok.choice_token_counts = {4, 2};
  EXPECT_EQ(value("loglikelihood_acc_norm_token", tok), 1.0);
  // PMI: -5 - (-1) = -4 vs -6 - (-5) = -1 -> choice 1.
  auto pmi = mc({"x", "y"}, {-5.0, -6.0}, {1});
  pmi.unconditioned_logprobs = {-1.0, -5.0};
  EXPECT_EQ(value("loglikelihood_acc_norm_pmi", pmi), 1.0);
}

TEST(MultipleChoice, RankingMetrics) {
  // Ties share the first rank: [0.5, 0.5, 0.1] with gold 1 -> rank 0 -> mrr 1.
  EXPECT_EQ(value("mrr", mc({"a", "b", "c"}, {0.5, 0.5, 0.1}, {1})), 1.0);
  EXPECT_DOUBLE_EQ(value("mrr", mc({"a", "b", "c"}, {-1, -3, -2}, {1})), 1.0 / 3.0);
  EXPECT_EQ(value("recall_at_2", mc({"a", "b", "c"}, {-1, -3, -2}, {2})), 1.0);
  EXPECT_EQ(value("recall_at_2", mc({"a", "b", "c"}, {-1, -3, -2}, {1})), 0.0);
  EXPECT_EQ(value("recall_at_1", mc({"a", "b", "c"}, {-1, -3, -2}, {0})), 1.0);
}

TEST(MultipleChoice, TruthfulqaMc2StopsAtTheFirstGap) {
  // mc1 part: 2 choices, gold first. mc2 part: choices 2..5, golds 2, 3 and 5 (gap at 4), so the
  // harness counts only 2 and 3 as true: p_true = (e^-1 + e^-2) / (e^-1 + e^-2 + e^-3 + e^-4).
  auto in = mc({"a", "b", "c", "d", "e", "f"}, {-0.5, -1.0, -1.0, -2.0, -3.0, -4.0}, {0, 2, 3, 5});
  in.specific = Json{{"len_mc1", 2}};
  auto res = m::compute_sample(m::find_metric("truthfulqa_mc_metrics"), in);
  EXPECT_EQ(res[0].first, "truthfulqa_mc1");
  EXPECT_EQ(res[0].second.value, 1.0);
  double e1 = std::exp(-1.0), e2 = std::exp(-2.0), e3 = std::exp(-3.0), e4 = std::exp(-4.0);
  EXPECT_NEAR(res[1].second.value, (e1 + e2) / (e1 + e2 + e3 + e4), 1e-15);
}

TEST(Generative, ExactMatchFamily) {
  m::SampleInput in;
  in.golds = {" The Answer"};
  in.predictions = {"the answer."};
  EXPECT_EQ(value("exact_match", in), 0.0);
  EXPECT_EQ(value("quasi_exact_match", in), 1.0);  // helm: lower, no punctuation, no articles
  in.predictions = {"The Answer is 42"};
  EXPECT_EQ(value("prefix_exact_match", in), 1.0);  // stripped gold "The Answer" is a prefix
  EXPECT_EQ(value("perfect_exact_match", in), 0.0);
  in.golds = {"Natalia sold 48/2 = 24 clips.\n#### 72"};
  in.predictions = {" so she sold 72 in total.\n#### 72"};
  EXPECT_EQ(value("quasi_exact_match_gsm8k", in), 1.0);
  in.predictions = {"72"};  // no "####": "[invalid]" never matches
  EXPECT_EQ(value("quasi_exact_match_gsm8k", in), 0.0);
  in.golds = {"\\boxed{\\frac{1}{2}}"};
  in.predictions = {"The answer is \\boxed{0.5}"};
  EXPECT_EQ(value("quasi_exact_match_math", in), 1.0);
  in.golds = {"Paris"};
  in.predictions = {"PARIS!"};
  EXPECT_EQ(value("quasi_exact_match_triviaqa", in), 0.0);  // only the prediction is normalised
  in.golds = {"paris"};
  EXPECT_EQ(value("quasi_exact_match_triviaqa", in), 1.0);
  in.predictions = {""};
  EXPECT_EQ(value("perfect_exact_match", in), 0.0);
}

TEST(Generative, MajorityVote) {
  m::SampleInput in;
  in.golds = {"#### 5"};
  in.predictions = {"#### 5", "#### 6", "#### 6", "#### 5", "#### 7", "#### 6", "#### 5", "#### 9", "#### 5"};
  // First 8: 5 x3, 6 x3 -> the first most frequent is "5".
  EXPECT_EQ(value("maj_at_8_gsm8k", in), 1.0);
  in.predictions = {"#### 6", "#### 5", "#### 6", "#### 5"};
  EXPECT_EQ(value("maj_at_8_gsm8k", in), 0.0);
}

TEST(Generative, F1Quasi) {
  m::SampleInput in;
  in.golds = {"The Eiffel Tower"};
  in.predictions = {"eiffel tower, paris"};
  // helm: {"eiffel", "tower"} vs {"eiffel", "tower", "paris"}: p = 2/3, r = 1 -> 0.8.
  EXPECT_NEAR(value("f1_score_quasi", in), 0.8, 1e-12);
}

TEST(Perplexity, UnitsOfTheReferenceText) {
  m::SampleInput in;
  in.rolling_logprob = -10.0;
  in.reference_text = " héllo  world\n";  // re.split(r"\s+") -> ['', 'héllo', 'world', ''] = 4
  auto w = m::compute_sample(m::find_metric("word_perplexity"), in).at(0).second;
  EXPECT_EQ(w.item->weight, 4.0);
  auto b = m::compute_sample(m::find_metric("byte_perplexity"), in).at(0).second;
  EXPECT_EQ(b.item->weight, 15.0);  // UTF-8 bytes
  EXPECT_EQ(b.to_json().dump(), R"({"logprobs":-10.0,"weights":15.0})");
  EXPECT_NEAR(m::aggregate(m::find_metric("bits_per_byte").outputs[0], {b, b}), 10.0 / 15.0 / std::log(2.0), 1e-15);
}

}  // namespace
