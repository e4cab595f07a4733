// metrics/corpus_metrics: lighteval v0.5's corpus-level functions (metrics_corpus.py) over the
// per-sample items its preparators build (sample_preparator.py), plus the sklearn scores they use.
#pragma once

#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::metrics {

// One sample's contribution to a corpus metric (lighteval's *CorpusMetricInput dataclasses).
struct CorpusItem {
  enum class Kind { Logprob, Generative, Perplexity };
  Kind kind = Kind::Logprob;
  std::vector<int> golds;  // Logprob: gold indices
  int pred = 0;            // Logprob: argmax of the choice log-probabilities
  std::vector<std::string> gold_texts, pred_texts;  // Generative
  double logprob = 0;      // Perplexity: summed log-probability
  double weight = 0;       // Perplexity: words or bytes of the reference text
  // The dataclass as lighteval's details file stores it ({"golds":..,"preds":..} or
  // {"logprobs":..,"weights":..}).
  Json to_json() const;
};

enum class CorpusFn {
  Mean,                // np.mean over sample values
  Perplexity,          // exp(-mean(logprob))
  WeightedPerplexity,  // exp(-sum(logprob) / sum(weight))
  BitsPerByte,         // -sum(logprob) / sum(weight) / ln 2
  F1Max,               // max of sklearn per-class F1 (average=None)
  F1Macro,
  F1Micro,
  MultiF1,             // mean binary F1 over classes 0, 1, 2
  Mcc,                 // sklearn matthews_corrcoef
  Bleu,
  Chrf,
  Ter,
};

// Python's math.exp: NaN where CPython raises OverflowError (lighteval turns that into NaN).
double py_exp(double x);

// Python's len(re.split(r"\s+", text)) and len(text.encode("utf-8")).
double count_words(const std::string& text);
double count_bytes(const std::string& text);

double corpus_aggregate(CorpusFn fn, const std::vector<CorpusItem>& items);

// BLEU, chrF and TER are functions of summed per-sentence statistics (as in sacrebleu); the
// bootstrap uses these to avoid re-tokenising each resample. Same values as corpus_aggregate.
bool has_sentence_stats(CorpusFn fn);
std::vector<double> sentence_stats(CorpusFn fn, const CorpusItem& item);
double score_from_stats(CorpusFn fn, const std::vector<double>& summed);

// sklearn-compatible scores over integer labels (zero_division -> 0).
std::vector<double> f1_per_class(const std::vector<long>& y_true, const std::vector<long>& y_pred);
double f1_micro(const std::vector<long>& y_true, const std::vector<long>& y_pred);
double matthews_corrcoef(const std::vector<long>& y_true, const std::vector<long>& y_pred);

}  // namespace lighteval::metrics
