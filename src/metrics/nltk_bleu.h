// metrics/nltk_bleu: the sentence BLEU behind lighteval's bleu_1/bleu_4 sample metrics:
// nltk.word_tokenize (the NLTKWordTokenizer rules of nltk 3.8 to 3.9.1; lighteval v0.5 pins
// 3.9.1, later nltk pads opening quotes and dashes differently) and
// nltk.translate.bleu_score.sentence_bleu with one-hot weights, no smoothing (method0).
// Limit: the text is tokenised as one sentence (no punkt sentence splitting), so a period that
// ends an inner sentence stays attached to its word; only the final period is split off.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lighteval::metrics::nltk {

std::vector<std::string> word_tokenize(std::string_view text);

// sentence_bleu(references, hypothesis, weights) on already tokenised text.
double sentence_bleu(const std::vector<std::vector<std::string>>& references,
                     const std::vector<std::string>& hypothesis, const std::vector<double>& weights);

// lighteval's BLEU(n_gram).compute: mean over predictions of sentence_bleu against all golds,
// with weight 1 on the n-gram order n only.
double bleu_n(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int n);

}  // namespace lighteval::metrics::nltk
