// metrics/rouge: Google's rouge_score (RougeScorer without stemming, default tokenizer: lower,
// non [a-z0-9] runs become spaces) for rouge1, rouge2, rougeL and rougeLsum (newline-separated
// sentences, union LCS). lighteval's sample metric is the mean F-measure over (pred, gold) pairs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lighteval::metrics::rouge {

struct Score {
  double precision = 0, recall = 0, fmeasure = 0;
};

std::vector<std::string> tokenize(std::string_view text);
// method: "rouge1".."rouge9", "rougeL" or "rougeLsum".
Score score(std::string_view method, std::string_view target, std::string_view prediction);
// lighteval ROUGE(method).compute: mean F over every (pred, gold) pair.
double mean_fmeasure(std::string_view method, const std::vector<std::string>& golds,
                     const std::vector<std::string>& preds);

}  // namespace lighteval::metrics::rouge
