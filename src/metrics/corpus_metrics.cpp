#include "metrics/corpus_metrics.h"

#include <cfloat>
#include <cmath>
#include <map>
#include <set>

#include "metrics/py_text.h"
#include "metrics/sacrebleu.h"
#include "util/error.h"

namespace lighteval::metrics {

Json CorpusItem::to_json() const {
  Json j = Json::object();
  switch (kind) {
    case Kind::Logprob:
      j["golds"] = golds;
      j["preds"] = pred;
      break;
    case Kind::Generative:
      j["golds"] = gold_texts;
      j["preds"] = pred_texts;
      break;
    case Kind::Perplexity:
      j["logprobs"] = logprob;
      j["weights"] = weight;
      break;
  }
  return j;
}

double py_exp(double x) {
  if (x > std::log(DBL_MAX)) return NAN;
  return std::exp(x);
}

double count_words(const std::string& text) {
  static const py::Regex ws("\\s+");
  return static_cast<double>(ws.split(text).size());
}

double count_bytes(const std::string& text) { return static_cast<double>(text.size()); }

std::vector<double> f1_per_class(const std::vector<long>& t, const std::vector<long>& p) {
  std::set<long> labels(t.begin(), t.end());
  labels.insert(p.begin(), p.end());
  std::vector<double> out;
  for (long l : labels) {
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      if (p[i] == l && t[i] == l) ++tp;
      else if (p[i] == l) ++fp;
      else if (t[i] == l) ++fn;
    }
    double denom = 2 * tp + fp + fn;
    out.push_back(denom > 0 ? 2 * tp / denom : 0.0);
  }
  return out;
}

double f1_micro(const std::vector<long>& t, const std::vector<long>& p) {
  // Single-label multiclass: micro precision = micro recall = accuracy over the label set.
  double tp = 0, n = static_cast<double>(t.size());
  for (size_t i = 0; i < t.size(); ++i) tp += t[i] == p[i];
  double fp = n - tp, fn = n - tp;
  double denom = 2 * tp + fp + fn;
  return denom > 0 ? 2 * tp / denom : 0.0;
}

double matthews_corrcoef(const std::vector<long>& t, const std::vector<long>& p) {
  std::set<long> labels(t.begin(), t.end());
  labels.insert(p.begin(), p.end());
  std::map<long, double> t_sum, p_sum;
  double correct = 0, n = static_cast<double>(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    t_sum[t[i]] += 1;
    p_sum[p[i]] += 1;
    correct += t[i] == p[i];
  }
  double tp_dot = 0, pp = 0, tt = 0;
  for (long l : labels) {
    tp_dot += t_sum[l] * p_sum[l];
    pp += p_sum[l] * p_sum[l];
    tt += t_sum[l] * t_sum[l];
  }
  double cov_ytyp = correct * n - tp_dot, cov_ypyp = n * n - pp, cov_ytyt = n * n - tt;
  if (cov_ypyp * cov_ytyt == 0) return 0.0;
  return cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
}

namespace {

void labels_of(const std::vector<CorpusItem>& items, std::vector<long>& t, std::vector<long>& p) {
  for (const auto& it : items) {
    if (it.golds.empty()) throw Error("a corpus F1/MCC item has no gold index");
    // sklearn reads the one-element gold lists as a column vector: the first gold is the label.
    t.push_back(it.golds[0]);
    p.push_back(it.pred);
  }
}

// String labels (f1_score_macro/micro over generations) mapped to integers in first-seen order;
// F1 does not depend on the numbering.
void text_labels_of(const std::vector<CorpusItem>& items, std::vector<long>& t, std::vector<long>& p) {
  std::map<std::string, long> ids;
  auto id = [&](const std::string& s) { return ids.emplace(s, static_cast<long>(ids.size())).first->second; };
  for (const auto& it : items) {
    if (it.gold_texts.empty() || it.pred_texts.empty())
      throw Error("a corpus F1 item needs a gold and a prediction");
    t.push_back(id(it.gold_texts[0]));
    p.push_back(id(it.pred_texts[0]));
  }
}

const std::string& first_prediction(const CorpusItem& it) {
  if (it.pred_texts.empty()) throw Error("a translation metric item has no prediction");
  return it.pred_texts[0];  // only the first prediction is scored, as upstream
}

double translation(CorpusFn fn, const std::vector<CorpusItem>& items) {
  std::vector<std::string> hyps;
  sacrebleu::References refs;
  for (const auto& it : items) {
    if (it.pred_texts.empty()) throw Error("a translation metric item has no prediction");
    hyps.push_back(it.pred_texts[0]);  // only the first prediction is scored, as upstream
    refs.push_back(it.gold_texts);
  }
  if (fn == CorpusFn::Bleu) return sacrebleu::corpus_bleu(hyps, refs);
  if (fn == CorpusFn::Chrf) return sacrebleu::corpus_chrf(hyps, refs);
  return sacrebleu::corpus_ter(hyps, refs);
}

}  // namespace

bool has_sentence_stats(CorpusFn fn) {
  return fn == CorpusFn::Bleu || fn == CorpusFn::Chrf || fn == CorpusFn::Ter;
}

std::vector<double> sentence_stats(CorpusFn fn, const CorpusItem& item) {
  const std::string& hyp = first_prediction(item);
  if (fn == CorpusFn::Bleu) return sacrebleu::bleu_stats(hyp, item.gold_texts);
  if (fn == CorpusFn::Chrf) return sacrebleu::chrf_stats(hyp, item.gold_texts);
  if (fn == CorpusFn::Ter) return sacrebleu::ter_stats(hyp, item.gold_texts);
  throw Error("internal error: no sentence statistics for this corpus metric");
}

double score_from_stats(CorpusFn fn, const std::vector<double>& summed) {
  if (fn == CorpusFn::Bleu) return sacrebleu::bleu_from_stats(summed);
  if (fn == CorpusFn::Chrf) return sacrebleu::chrf_from_stats(summed);
  if (fn == CorpusFn::Ter) return sacrebleu::ter_from_stats(summed);
  throw Error("internal error: no sentence statistics for this corpus metric");
}

double corpus_aggregate(CorpusFn fn, const std::vector<CorpusItem>& items) {
  if (items.empty()) return NAN;  // np.mean([]) is nan
  switch (fn) {
    case CorpusFn::Mean:
      throw Error("internal error: mean metrics aggregate values, not corpus items");
    case CorpusFn::Perplexity: {
      double s = 0;
      for (const auto& it : items) s += it.logprob;
      return py_exp(-s / static_cast<double>(items.size()));
    }
    case CorpusFn::WeightedPerplexity:
    case CorpusFn::BitsPerByte: {
      double lp = 0, w = 0;
      for (const auto& it : items) {
        lp += it.logprob;
        w += it.weight;
      }
      if (fn == CorpusFn::WeightedPerplexity) return py_exp(-lp / w);
      return -lp / w / std::log(2.0);
    }
    case CorpusFn::F1Max:
    case CorpusFn::F1Macro:
    case CorpusFn::F1Micro:
    case CorpusFn::Mcc:
    case CorpusFn::MultiF1: {
      std::vector<long> t, p;
      bool texts = items[0].kind == CorpusItem::Kind::Generative;
      if (texts)
        text_labels_of(items, t, p);
      else
        labels_of(items, t, p);
      if (fn == CorpusFn::Mcc) return matthews_corrcoef(t, p);
      if (fn == CorpusFn::F1Micro) return f1_micro(t, p);
      if (fn == CorpusFn::MultiF1) {
        double sum = 0;
        for (long c = 0; c < 3; ++c) {
          std::vector<long> tb, pb;
          for (size_t i = 0; i < t.size(); ++i) {
            tb.push_back(t[i] == c);
            pb.push_back(p[i] == c);
          }
          // Binary F1 of the positive class (1); 0 when it never occurs.
          double tp = 0, fp = 0, fn_ = 0;
          for (size_t i = 0; i < tb.size(); ++i) {
            if (tb[i] && pb[i]) ++tp;
            else if (pb[i]) ++fp;
            else if (tb[i]) ++fn_;
          }
          double d = 2 * tp + fp + fn_;
          sum += d > 0 ? 2 * tp / d : 0.0;
        }
        return sum / 3.0;
      }
      std::vector<double> per = f1_per_class(t, p);
      if (fn == CorpusFn::F1Max) {
        double m = per[0];
        for (double v : per) m = std::max(m, v);
        return m;
      }
      double s = 0;
      for (double v : per) s += v;
      return s / static_cast<double>(per.size());
    }
    case CorpusFn::Bleu:
    case CorpusFn::Chrf:
    case CorpusFn::Ter:
      return translation(fn, items);
  }
  return NAN;
}

}  // namespace lighteval::metrics
