// metrics/sample_metrics: lighteval v0.5's per-sample scoring functions (metrics_sample.py and
// harness_compatibility/truthful_qa.py): loglikelihood accuracies with their normalisations, MRR,
// recall@k, TruthfulQA mc1/mc2, exact matches, bag-of-words F1, maj@k and pass@k.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace lighteval::metrics {

// numpy.argmax: the first maximum.
size_t argmax(const std::vector<double>& v);

enum class LogprobNorm { None, Char, CharIgnoreFirstSpace, Token, Pmi };

// Normalised choice log-probabilities (normalizations.py::normalize_log_probs).
std::vector<double> normalize_logprobs(LogprobNorm norm, const std::vector<double>& logprobs,
                                       const std::vector<std::string>& choices,
                                       const std::vector<int>& token_counts,
                                       const std::vector<double>& unconditioned);

// 1 if the best (normalised) choice is a gold one.
int loglikelihood_acc(const std::vector<int>& golds, const std::vector<double>& normalized);
// 1 / (1 + best rank among the golds), rank in the descending sort (ties share the first rank).
double mrr(const std::vector<int>& golds, const std::vector<double>& logprobs);
// 1 if one of the k highest-scoring choices (numpy argsort reversed) is gold.
int recall_at_k(const std::vector<int>& golds, const std::vector<double>& logprobs, int k);

struct TruthfulqaScores {
  double mc1 = 0, mc2 = 0;
};
// The harness-compatible TruthfulQA scores; golds[0] is the mc1 gold, len_mc1 the number of
// mc1 choices (first in the list).
TruthfulqaScores truthfulqa_mc(const std::vector<int>& golds, const std::vector<double>& logprobs,
                               int len_mc1);

using Normalizer = std::function<std::string(std::string_view)>;

enum class MatchType { Full, Prefix, Suffix };
struct ExactMatchOptions {
  Normalizer normalize_gold, normalize_pred;
  bool strip = false;
  MatchType type = MatchType::Full;
};
// max over (gold, pred) pairs; an empty prediction scores 0.
double exact_match(const std::vector<std::string>& golds, const std::vector<std::string>& preds,
                   const ExactMatchOptions& opt);

// nltk f_measure over the sets of whitespace-split words, max over (gold, pred) pairs.
double f1_bag_of_words(const std::vector<std::string>& golds, const std::vector<std::string>& preds,
                       const Normalizer& normalize_gold, const Normalizer& normalize_pred);

// Majority vote over the first k predictions (first most frequent wins), compared with the single
// gold. More than one gold is an error, as upstream.
int maj_at_k(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int k,
             const ExactMatchOptions& opt);

// Unbiased pass@k (Chen et al. 2021) over n samples, a sample passing by exact match (stripped)
// with a gold.
double pass_at_k(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int k,
                 int n);

}  // namespace lighteval::metrics
