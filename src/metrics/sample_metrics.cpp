#include "metrics/sample_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "metrics/py_text.h"
#include "util/error.h"

namespace lighteval::metrics {

size_t argmax(const std::vector<double>& v) {
  if (v.empty()) throw Error("a multiple-choice metric got no choice scores");
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    // numpy treats NaN as the maximum (first NaN wins).
    if ((v[i] > v[best] && !std::isnan(v[best])) || (std::isnan(v[i]) && !std::isnan(v[best])))
      best = i;
  return best;
}

std::vector<double> normalize_logprobs(LogprobNorm norm, const std::vector<double>& lp,
                                       const std::vector<std::string>& choices,
                                       const std::vector<int>& token_counts,
                                       const std::vector<double>& uncond) {
  std::vector<double> out(lp);
  auto need = [&](size_t n, const char* what) {
    if (n < lp.size())
      throw Error(std::string("this metric needs the ") + what + " of every choice, but " +
                  std::to_string(n) + " of " + std::to_string(lp.size()) + " were given");
  };
  switch (norm) {
    case LogprobNorm::None:
      break;
    case LogprobNorm::Char:
    case LogprobNorm::CharIgnoreFirstSpace:
      need(choices.size(), "text");
      for (size_t i = 0; i < lp.size(); ++i) {
        double len = static_cast<double>(py::length(choices[i]));
        if (norm == LogprobNorm::CharIgnoreFirstSpace && !choices[i].empty() && choices[i][0] == ' ')
          len -= 1;
        // Python raises ZeroDivisionError on an empty choice; numpy-style inf/nan keeps going.
        out[i] = lp[i] / len;
      }
      break;
    case LogprobNorm::Token:
      need(token_counts.size(), "token count");
      for (size_t i = 0; i < lp.size(); ++i) out[i] = lp[i] / static_cast<double>(token_counts[i]);
      break;
    case LogprobNorm::Pmi:
      need(uncond.size(), "unconditioned log-probability");
      for (size_t i = 0; i < lp.size(); ++i) out[i] = lp[i] - uncond[i];
      break;
  }
  return out;
}

int loglikelihood_acc(const std::vector<int>& golds, const std::vector<double>& normalized) {
  int best = static_cast<int>(argmax(normalized));
  return std::find(golds.begin(), golds.end(), best) != golds.end() ? 1 : 0;
}

double mrr(const std::vector<int>& golds, const std::vector<double>& lp) {
  std::vector<double> sorted(lp);
  std::stable_sort(sorted.begin(), sorted.end(), std::greater<double>());
  size_t best = sorted.size();
  for (int g : golds) {
    if (g < 0 || static_cast<size_t>(g) >= lp.size())
      throw Error("gold index " + std::to_string(g) + " is out of range for " +
                  std::to_string(lp.size()) + " choices");
    size_t rank = static_cast<size_t>(std::find(sorted.begin(), sorted.end(), lp[g]) - sorted.begin());
    best = std::min(best, rank);
  }
  if (golds.empty()) throw Error("mrr needs at least one gold index");
  return 1.0 / (static_cast<double>(best) + 1.0);
}

int recall_at_k(const std::vector<int>& golds, const std::vector<double>& lp, int k) {
  if (k == 1) return loglikelihood_acc(golds, lp);
  // np.argsort (quicksort, not stable for ties) then reversed: for ties numpy's order is not
  // specified; a stable ascending sort reversed is what it gives for small arrays.
  std::vector<size_t> order(lp.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lp[a] < lp[b]; });
  std::reverse(order.begin(), order.end());
  for (size_t i = 0; i < order.size() && i < static_cast<size_t>(k); ++i)
    if (std::find(golds.begin(), golds.end(), static_cast<int>(order[i])) != golds.end()) return 1;
  return 0;
}

TruthfulqaScores truthfulqa_mc(const std::vector<int>& golds, const std::vector<double>& lp,
                               int len_mc1) {
  if (golds.size() < 2)
    throw Error("truthfulqa_mc_metrics needs the mc1 gold and at least one mc2 gold index");
  if (len_mc1 < 1 || static_cast<size_t>(len_mc1) > lp.size())
    throw Error("truthfulqa_mc_metrics: len_mc1 = " + std::to_string(len_mc1) +
                " does not fit the " + std::to_string(lp.size()) + " choices");
  TruthfulqaScores s;
  std::vector<double> mc1(lp.begin(), lp.begin() + len_mc1);
  s.mc1 = argmax(mc1) == 0 ? 1.0 : 0.0;
  // The harness assumes the true mc2 answers come first: walk the golds after the mc1 one while
  // they are consecutive (a known inaccuracy kept for comparability).
  int last = golds[1] - 1;
  for (size_t i = 1; i < golds.size(); ++i) {
    if (golds[i] - 1 == last)
      last = golds[i];
    else
      break;
  }
  long split = static_cast<long>(last) - len_mc1 + 1;
  std::vector<double> mc2(lp.begin() + len_mc1, lp.end());
  long n = static_cast<long>(mc2.size());
  // Python slice semantics for lls[:split]: negative counts from the end, clamped to [0, n].
  long cut = split < 0 ? std::max(0L, n + split) : std::min(split, n);
  double p_true = 0, p_all = 0;
  for (long i = 0; i < n; ++i) {
    double p = std::exp(mc2[i]);
    p_all += p;
    if (i < cut) p_true += p;
  }
  s.mc2 = p_true / p_all;  // each true p divided by the total, then summed
  return s;
}

namespace {
double match_one(std::string gold, std::string pred, const ExactMatchOptions& opt) {
  if (pred.empty()) return 0;
  if (opt.strip) {
    gold = py::strip(gold);
    pred = py::strip(pred);
  }
  if (opt.normalize_gold) gold = opt.normalize_gold(gold);
  if (opt.normalize_pred) pred = opt.normalize_pred(pred);
  switch (opt.type) {
    case MatchType::Prefix:
      return pred.compare(0, gold.size(), gold) == 0 ? 1 : 0;
    case MatchType::Suffix:
      return pred.size() >= gold.size() && pred.compare(pred.size() - gold.size(), gold.size(), gold) == 0 ? 1 : 0;
    case MatchType::Full:
      break;
  }
  return gold == pred ? 1 : 0;
}

void need_pairs(const std::vector<std::string>& golds, const std::vector<std::string>& preds,
                const char* metric) {
  // Python's max() of an empty list raises ValueError.
  if (golds.empty() || preds.empty())
    throw Error(std::string(metric) + " needs at least one gold and one prediction per sample");
}
}  // namespace

double exact_match(const std::vector<std::string>& golds, const std::vector<std::string>& preds,
                   const ExactMatchOptions& opt) {
  need_pairs(golds, preds, "exact match");
  double best = 0;
  for (const auto& g : golds)
    for (const auto& p : preds) best = std::max(best, match_one(g, p, opt));
  return best;
}

double f1_bag_of_words(const std::vector<std::string>& golds, const std::vector<std::string>& preds,
                       const Normalizer& normalize_gold, const Normalizer& normalize_pred) {
  need_pairs(golds, preds, "f1");
  double best = -1;
  for (const auto& g0 : golds) {
    for (const auto& p0 : preds) {
      std::string g = normalize_gold ? normalize_gold(g0) : g0;
      std::string p = normalize_pred ? normalize_pred(p0) : p0;
      auto gw = py::split(g), pw = py::split(p);
      std::set<std::string> gs(gw.begin(), gw.end()), ps(pw.begin(), pw.end());
      double score = 0;  // nltk returns None for an empty set: lighteval maps it to 0
      if (!gs.empty() && !ps.empty()) {
        double inter = 0;
        for (const auto& w : ps) inter += gs.count(w);
        double precision = inter / static_cast<double>(ps.size());
        double recall = inter / static_cast<double>(gs.size());
        // nltk f_measure with alpha = 0.5: 1 / (alpha/p + (1-alpha)/r); 0 when p or r is 0.
        score = (precision == 0 || recall == 0) ? 0 : 1.0 / (0.5 / precision + 0.5 / recall);
      }
      best = std::max(best, score);
    }
  }
  return best;
}

int maj_at_k(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int k,
             const ExactMatchOptions& opt) {
  if (golds.size() != 1)
    throw Error("maj@k needs exactly one gold per sample, got " + std::to_string(golds.size()));
  std::string gold = golds[0];
  if (opt.strip) gold = py::strip(gold);
  if (opt.normalize_gold) gold = opt.normalize_gold(gold);
  std::vector<std::string> answers;
  for (size_t i = 0; i < preds.size() && i < static_cast<size_t>(k); ++i) {
    std::string p = preds[i];
    if (!p.empty()) {
      if (opt.strip) p = py::strip(p);
      if (opt.normalize_pred) p = opt.normalize_pred(p);
    }
    answers.push_back(p);
  }
  if (answers.empty()) throw Error("maj@k needs at least one prediction per sample");
  size_t best = 0, best_count = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    size_t c = static_cast<size_t>(std::count(answers.begin(), answers.end(), answers[i]));
    if (c > best_count) {
      best = i;
      best_count = c;
    }
  }
  const std::string& pred = answers[best];
  switch (opt.type) {
    case MatchType::Prefix:
      return pred.compare(0, gold.size(), gold) == 0 ? 1 : 0;
    case MatchType::Suffix:
      return pred.size() >= gold.size() && pred.compare(pred.size() - gold.size(), gold.size(), gold) == 0;
    case MatchType::Full:
      break;
  }
  return pred == gold ? 1 : 0;
}

double pass_at_k(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int k,
                 int n) {
  if (k < 1 || n < k)
    throw Error("pass@k needs 1 <= k <= n, got k=" + std::to_string(k) + ", n=" + std::to_string(n));
  if (preds.size() < static_cast<size_t>(n))
    throw Error("pass@k:n=" + std::to_string(n) + " needs " + std::to_string(n) +
                " samples per doc, got " + std::to_string(preds.size()));
  ExactMatchOptions opt;
  opt.strip = true;
  int c = 0;
  for (int i = 0; i < n; ++i) c += exact_match(golds, {preds[static_cast<size_t>(i)]}, opt) > 0 ? 1 : 0;
  if (n - c < k) return 1.0;
  // 1 - C(n-c, k) / C(n, k) as the numerically stable product over i in (n-c, n].
  double prod = 1.0;
  for (int i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - prod;
}

}  // namespace lighteval::metrics
