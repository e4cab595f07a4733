// Model generations are arbitrary bytes: every text metric must return a number (or a clear
// lighteval::Error) on malformed UTF-8, odd LaTeX and random strings, never crash. Deterministic
// pseudo-random inputs keep this fast and reproducible (a poor man's fuzzer; values unchecked).
#include <gtest/gtest.h>

#include <random>

#include "metrics/nltk_bleu.h"
#include "metrics/normalizers.h"
#include "metrics/registry.h"
#include "metrics/rouge.h"
#include "metrics/sacrebleu.h"

namespace {

namespace m = lighteval::metrics;

std::vector<std::string> nasty_inputs() {
  std::vector<std::string> v = {"", " ", "\xff\xfe", "caf\xc3", "\xed\xa0\x80 surrogate", "a\0b",
                                "\\boxed{", "\\boxed{}", "\\boxed{\\frac}", "\\fbox{\\sqrt}", "}{",
                                "#### ", "####  ,.-", "'''\"\"\"``", "...", "-\n-\n", "&amp;&lt;",
                                std::string(3000, 'a'), "\xe2\x80\x94\xe2\x80\x94", "1e999999"};
  std::mt19937 gen(1234);
  const std::string alphabet = "ab \n.,-'\"\\{}$#%0123456789\xc3\xa9\xff";
  for (int i = 0; i < 300; ++i) {
    std::string s;
    size_t len = gen() % 40;
    for (size_t j = 0; j < len; ++j) s.push_back(alphabet[gen() % alphabet.size()]);
    v.push_back(s);
  }
  return v;
}

TEST(Robustness, TextMetricsNeverCrash) {
  auto inputs = nasty_inputs();
  std::vector<std::string> text_metrics = {"exact_match", "quasi_exact_match", "prefix_quasi_exact_match",
                                           "quasi_exact_match_math", "quasi_exact_match_gsm8k",
                                           "quasi_exact_match_triviaqa", "f1_score", "f1_score_quasi",
                                           "bleu_1", "bleu_4", "rouge1", "rouge2", "rougeL", "rougeLsum"};
  size_t ok = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    m::SampleInput in;
    in.golds = {inputs[i]};
    in.predictions = {inputs[(i * 7 + 3) % inputs.size()]};
    for (const auto& name : text_metrics) {
      auto res = m::compute_sample(m::find_metric(name), in);
      ok += res.size();
    }
    std::string out;
    m::python_float_str(inputs[i], &out);
    m::nltk::word_tokenize(inputs[i]);
    m::rouge::tokenize(inputs[i]);
    m::sacrebleu::tokenize_13a(inputs[i]);
  }
  EXPECT_EQ(ok, inputs.size() * text_metrics.size());
  std::vector<std::string> hyps(inputs.begin(), inputs.begin() + 60);
  m::sacrebleu::References refs;
  for (size_t i = 0; i < hyps.size(); ++i) refs.push_back({inputs[i + 60], inputs[i + 120]});
  EXPECT_GE(m::sacrebleu::corpus_bleu(hyps, refs), 0.0);
  EXPECT_GE(m::sacrebleu::corpus_chrf(hyps, refs), 0.0);
  EXPECT_GE(m::sacrebleu::corpus_ter(hyps, refs), 0.0);
}

TEST(Robustness, MalformedUtf8IsReplacedNotMisread) {
  // U+FFFD stands in for the bad byte, as Python's errors="replace" decoding would.
  EXPECT_EQ(m::helm_normalizer("Caf\xff"), "caf\xef\xbf\xbd");
  EXPECT_EQ(m::sacrebleu::tokenize_13a("a\xff."), "a\xef\xbf\xbd .");
}

}  // namespace
