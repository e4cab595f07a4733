// nltk's tokenizer and sentence BLEU against the examples in nltk's own documentation
// (NLTKWordTokenizer.tokenize and bleu_score.py doctests), and rouge_score on cases worked out by
// hand from its definition (tokens = lowercase [a-z0-9] runs; F = 2PR/(P+R)).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/test_support.h"
#include "metrics/nltk_bleu.h"
#include "metrics/registry.h"
#include "metrics/rouge.h"
#include "util/json.h"

namespace {

using lighteval::Json;

namespace nltk = lighteval::metrics::nltk;
namespace rouge = lighteval::metrics::rouge;
using Words = std::vector<std::string>;

TEST(NltkWordTokenize, DocumentationExample) {
  std::string s = "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.";
  Words expected = {"Good", "muffins", "cost", "$", "3.88", "(", "roughly", "3,36", "euros", ")", "in",
                    "New", "York.", "Please", "buy", "me", "two", "of", "them.", "Thanks", "."};
  EXPECT_EQ(nltk::word_tokenize(s), expected);
}

TEST(NltkWordTokenize, ContractionsQuotesAndPunctuation) {
  // Treebank conventions: clitics split off, double quotes become `` and '', final period split.
  EXPECT_EQ(nltk::word_tokenize("They'll say \"don't\" cannot, she's."),
            (Words{"They", "'ll", "say", "``", "do", "n't", "''", "can", "not", ",", "she", "'s", "."}));
  EXPECT_EQ(nltk::word_tokenize("Wait... what?! 1,000 items"),
            (Words{"Wait", "...", "what", "?", "!", "1,000", "items"}));
}

const Words kRef1 = {"It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the",
                     "military", "will", "forever", "heed", "Party", "commands"};
const Words kRef2 = {"It", "is", "the", "guiding", "principle", "which", "guarantees", "the", "military",
                     "forces", "always", "being", "under", "the", "command", "of", "the", "Party"};
const Words kRef3 = {"It", "is", "the", "practical", "guide", "for", "the", "army", "always", "to",
                     "heed", "the", "directions", "of", "the", "party"};
const Words kHyp1 = {"It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the",
                     "military", "always", "obeys", "the", "commands", "of", "the", "party"};

TEST(NltkSentenceBleu, DocumentationValues) {
  std::vector<Words> refs = {kRef1, kRef2, kRef3};
  EXPECT_NEAR(nltk::sentence_bleu(refs, kHyp1, {0.25, 0.25, 0.25, 0.25}), 0.5045, 1e-4);
  // Unigram and bigram modified precisions (bp = 1: the closest reference has 18 words too).
  EXPECT_NEAR(nltk::sentence_bleu(refs, kHyp1, {1, 0, 0, 0}), 17.0 / 18.0, 1e-12);
  EXPECT_NEAR(nltk::sentence_bleu(refs, kHyp1, {0, 1, 0, 0}), 0.5882352941176471, 1e-12);
  // "the the the ..." is clipped to the reference counts: 2/7.
  std::vector<Words> cat = {{"the", "cat", "is", "on", "the", "mat"}, {"there", "is", "a", "cat", "on", "the", "mat"}};
  EXPECT_NEAR(nltk::sentence_bleu(cat, Words(7, "the"), {1, 0, 0, 0}), 2.0 / 7.0, 1e-12);
  // Brevity penalty example: 12 words against two 28-word references.
  EXPECT_NEAR(nltk::sentence_bleu({Words(28, "a"), Words(28, "a")}, Words(12, "a"), {1, 0, 0, 0}),
              0.2635971381157267, 1e-12);
}

// tests/fixtures/metrics/nlp_reference.json, section "nltk": Debian's python3-nltk 3.8 through
// scripts/fixtures/metrics_nlp_reference.py (word_tokenize with preserve_line=True, i.e. without
// punkt, and sentence_bleu with lighteval's one-hot weights).
const Json& nltk_reference() {
  static const Json j = [] {
    std::ifstream in(lighteval::testing::fixtures_dir() / "metrics" / "nlp_reference.json");
    EXPECT_TRUE(in.good());
    return Json::parse(in)["nltk"];
  }();
  return j;
}

TEST(NltkReference, WordTokenizeMatchesNltk) {
  ASSERT_TRUE(nltk_reference().is_object()) << "nltk section missing from the fixture";
  for (const auto& row : nltk_reference()["word_tokenize"]) {
    Words expected;
    for (const auto& t : row[1]) expected.push_back(t.get<std::string>());
    EXPECT_EQ(nltk::word_tokenize(row[0].get<std::string>()), expected) << row[0];
  }
}

TEST(NltkReference, BleuMatchesNltk) {
  for (const auto& p : nltk_reference()["pairs"]) {
    SCOPED_TRACE(p["hyp"].get<std::string>());
    Words golds;
    for (const auto& r : p["refs"]) golds.push_back(r.get<std::string>());
    std::vector<std::string> preds = {p["hyp"].get<std::string>()};
    for (auto [n, key] : {std::pair{1, "bleu_1"}, std::pair{4, "bleu_4"}}) {
      double expected = p[key].get<double>(), got = nltk::bleu_n(golds, preds, n);
      EXPECT_NEAR(got, expected, 1e-12 * std::max(1e-300, std::fabs(expected))) << key;
    }
  }
}

TEST(NltkSentenceBleu, MissingOrderGivesTinyScoreNotError) {
  // No 4-gram overlap: method0 substitutes sys.float_info.min, so bleu_4 is ~0, not an exception.
  EXPECT_LT(nltk::bleu_n({"Bonjour"}, {"Bonjour"}, 4), 1e-300);
  EXPECT_DOUBLE_EQ(nltk::bleu_n({"Bonjour"}, {"Bonjour"}, 1), 1.0);
  // No unigram overlap returns exactly 0.
  EXPECT_EQ(nltk::bleu_n({"a b c"}, {"x y z"}, 1), 0.0);
}

TEST(Rouge, HandComputedScores) {
  std::string target = "The quick brown fox jumps over the lazy dog";
  std::string pred = "the quick brown dog";
  EXPECT_NEAR(rouge::score("rouge1", target, pred).fmeasure, 8.0 / 13.0, 1e-12);
  EXPECT_NEAR(rouge::score("rouge2", target, pred).fmeasure, 4.0 / 11.0, 1e-12);
  EXPECT_NEAR(rouge::score("rougeL", target, pred).fmeasure, 8.0 / 13.0, 1e-12);
  // Summary-level LCS per newline-separated sentence: swapped sentences still match fully,
  // while plain rougeL over the whole text only finds "second line here" (3 of 5).
  std::string a = "First line.\nSecond line here.", b = "Second line here.\nFirst line.";
  EXPECT_NEAR(rouge::score("rougeLsum", a, b).fmeasure, 1.0, 1e-12);
  EXPECT_NEAR(rouge::score("rougeL", a, b).fmeasure, 0.6, 1e-12);
  // Non-ASCII letters separate tokens: "naïve café été 42" -> na, ve, caf, t, 42.
  EXPECT_EQ(rouge::tokenize("Naïve café ÉTÉ 42"), (Words{"na", "ve", "caf", "t", "42"}));
  EXPECT_NEAR(rouge::score("rouge1", "naive cafe ete 42", "Naïve café ÉTÉ 42").fmeasure, 2.0 / 9.0, 1e-12);
  EXPECT_EQ(rouge::score("rougeL", "", "abc").fmeasure, 0.0);
}

TEST(Rouge, LightevalMetricAveragesEveryPair) {
  auto def = lighteval::metrics::find_metric("rouge1");
  lighteval::metrics::SampleInput in;
  in.golds = {"a b", "c d"};
  in.predictions = {"a b"};
  // Pairs: (a b | a b) = 1, (a b | c d) = 0 -> mean 0.5 (lighteval's np.mean aggregation).
  EXPECT_DOUBLE_EQ(lighteval::metrics::compute_sample(def, in).at(0).second.value, 0.5);
}

}  // namespace
