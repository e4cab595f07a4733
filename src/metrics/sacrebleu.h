// metrics/sacrebleu: corpus BLEU, chrF and TER with sacrebleu 2.x's default settings (BLEU: 13a
// tokenizer, exp smoothing, max order 4; chrF: char order 6, beta 2, no word n-grams, whitespace
// removed; TER: tercom tokenizer lowercasing, no punctuation removal, shifts with tercom's beam).
// Scores are on sacrebleu's 0-100 scale.
//
// References are given per hypothesis: refs[i] are the references of hyps[i] (sacrebleu's
// reference *streams* transposed). A hypothesis with several references is scored against each
// as sacrebleu does for multi-reference corpora.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lighteval::metrics::sacrebleu {

using References = std::vector<std::vector<std::string>>;

std::string tokenize_13a(std::string_view line);
std::string tokenize_tercom(std::string_view line);  // lowercase + whitespace normalisation

double corpus_bleu(const std::vector<std::string>& hyps, const References& refs);
double corpus_chrf(const std::vector<std::string>& hyps, const References& refs);
double corpus_ter(const std::vector<std::string>& hyps, const References& refs);

// Sentence statistics and the score computed from their element-wise sum, which is how sacrebleu
// scores a corpus; the bootstrap resamples these sums instead of re-tokenising every resample.
// BLEU: [sys_len, ref_len, correct_1..4, total_1..4]; chrF: [hyp, ref, match] x 6 orders;
// TER: [edits, average reference length].
std::vector<double> bleu_stats(const std::string& hyp, const std::vector<std::string>& refs);
double bleu_from_stats(const std::vector<double>& stats);
std::vector<double> chrf_stats(const std::string& hyp, const std::vector<std::string>& refs);
double chrf_from_stats(const std::vector<double>& stats);
std::vector<double> ter_stats(const std::string& hyp, const std::vector<std::string>& refs);
double ter_from_stats(const std::vector<double>& stats);

// sacrebleu's lib_ter.translation_edit_rate: (number of edits incl. shifts, reference length).
std::pair<int, int> translation_edit_rate(const std::vector<std::string>& hyp_words,
                                          const std::vector<std::string>& ref_words);

// sacrebleu's own call shape, for the lighteval test cases that exercise it: reference streams
// (streams[s][i] = reference s of sentence i), zipped to the shortest as Python's zip() does.
References transpose_streams(const std::vector<std::vector<std::string>>& streams);

}  // namespace lighteval::metrics::sacrebleu
