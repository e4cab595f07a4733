#include "metrics/nltk_bleu.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <memory>

#include "metrics/py_text.h"
#include "util/error.h"

namespace lighteval::metrics::nltk {
namespace {

struct Rule {
  std::unique_ptr<py::Regex> re;
  std::string repl;
};

std::vector<Rule> make_rules(std::initializer_list<std::pair<const char*, const char*>> specs) {
  std::vector<Rule> out;
  for (auto [p, r] : specs) out.push_back({std::make_unique<py::Regex>(p), r});
  return out;
}

void apply(const std::vector<Rule>& rules, std::string& text) {
  for (const auto& r : rules) text = r.re->sub(r.repl, text);
}

}  // namespace

std::vector<std::string> word_tokenize(std::string_view input) {
  static const auto starting = make_rules({
      {"([\u00ab\u201c\u2018\u201e]|[`]+)", " \\1 "},
      {"^\\\"", "``"},
      {"(``)", " \\1 "},
      {"([ \\(\\[{<])(\\\"|\\'{2})", "\\1 `` "},
      {"(?i)(\\')(?!re|ve|ll|m|t|s|d|n)(\\w)\\b", "\\1 \\2"},
  });
  static const auto punctuation = make_rules({
      {"([^\\.])(\\.)([\\]\\)}>\"\\'\u00bb\u201d\u2019 ]*)\\s*$", "\\1 \\2 \\3 "},
      {"([:,])([^\\d])", " \\1 \\2"},
      {"([:,])$", " \\1 "},
      {"\\.{2,}", " \\g<0> "},
      {"[;@#$%&]", " \\g<0> "},
      {"([^\\.])(\\.)([\\]\\)}>\"\\']*)\\s*$", "\\1 \\2\\3 "},
      {"[?!]", " \\g<0> "},
      {"([^'])' ", "\\1 ' "},
      {"[*]", " \\g<0> "},
      {"[\\]\\[\\(\\)\\{\\}\\<\\>]", " \\g<0> "},  // parentheses and brackets
      {"--", " -- "},
  });
  static const auto ending = make_rules({
      {"([\u00bb\u201d\u2019])", " \\1 "},
      {"''", " '' "},
      {"\"", " '' "},
      {"([^' ])('[sS]|'[mM]|'[dD]|') ", "\\1 \\2 "},
      {"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "\\1 \\2 "},
      {"(?i)\\b(can)(?#X)(not)\\b", " \\1 \\2 "},
      {"(?i)\\b(d)(?#X)('ye)\\b", " \\1 \\2 "},
      {"(?i)\\b(gim)(?#X)(me)\\b", " \\1 \\2 "},
      {"(?i)\\b(gon)(?#X)(na)\\b", " \\1 \\2 "},
      {"(?i)\\b(got)(?#X)(ta)\\b", " \\1 \\2 "},
      {"(?i)\\b(lem)(?#X)(me)\\b", " \\1 \\2 "},
      {"(?i)\\b(more)(?#X)('n)\\b", " \\1 \\2 "},
      {"(?i)\\b(wan)(?#X)(na)(?=\\s)", " \\1 \\2 "},
      {"(?i) ('t)(?#X)(is)\\b", " \\1 \\2 "},
      {"(?i) ('t)(?#X)(was)\\b", " \\1 \\2 "},
  });
  std::string text(input);
  apply(starting, text);
  apply(punctuation, text);
  text = " " + text + " ";
  apply(ending, text);
  return py::split(text);
}

double sentence_bleu(const std::vector<std::vector<std::string>>& references,
                     const std::vector<std::string>& hyp, const std::vector<double>& weights) {
  using Gram = std::vector<std::string>;
  size_t max_n = weights.size();
  std::vector<double> num(max_n + 1, 0), den(max_n + 1, 0);
  for (size_t n = 1; n <= max_n; ++n) {
    std::map<Gram, int> counts, max_ref;
    if (hyp.size() >= n)
      for (size_t i = 0; i + n <= hyp.size(); ++i) ++counts[Gram(hyp.begin() + i, hyp.begin() + i + n)];
    for (const auto& ref : references) {
      std::map<Gram, int> rc;
      if (ref.size() >= n)
        for (size_t i = 0; i + n <= ref.size(); ++i) ++rc[Gram(ref.begin() + i, ref.begin() + i + n)];
      for (const auto& [g, c] : rc) max_ref[g] = std::max(max_ref[g], c);
    }
    double clipped = 0, total = 0;
    for (const auto& [g, c] : counts) {
      total += c;
      auto it = max_ref.find(g);
      clipped += std::min(c, it == max_ref.end() ? 0 : it->second);
    }
    num[n] = clipped;
    den[n] = std::max(1.0, total);
  }
  // Closest reference length (the shorter on ties) and the brevity penalty.
  double hyp_len = static_cast<double>(hyp.size());
  double closest = -1;
  for (const auto& ref : references) {
    double rl = static_cast<double>(ref.size());
    if (closest < 0 || std::fabs(rl - hyp_len) < std::fabs(closest - hyp_len) ||
        (std::fabs(rl - hyp_len) == std::fabs(closest - hyp_len) && rl < closest))
      closest = rl;
  }
  double bp = hyp_len > closest ? 1.0 : hyp_len == 0 ? 0.0 : std::exp(1 - closest / hyp_len);
  if (num[1] == 0) return 0.0;
  // method0: a zero-count precision becomes sys.float_info.min, so its log is about -708.
  double s = 0;
  for (size_t n = 1; n <= max_n; ++n) {
    double p = num[n] != 0 ? num[n] / den[n] : DBL_MIN;
    if (p > 0) s += weights[n - 1] * std::log(p);
  }
  return bp * std::exp(s);
}

double bleu_n(const std::vector<std::string>& golds, const std::vector<std::string>& preds, int n) {
  if (preds.empty()) throw Error("bleu_" + std::to_string(n) + " needs at least one prediction");
  if (golds.empty()) throw Error("bleu_" + std::to_string(n) + " needs at least one gold");
  std::vector<double> weights(4, 0.0);
  weights[static_cast<size_t>(n - 1)] = 1.0;
  std::vector<std::vector<std::string>> refs;
  for (const auto& g : golds) refs.push_back(word_tokenize(g));
  double sum = 0;
  for (const auto& p : preds) sum += sentence_bleu(refs, word_tokenize(p), weights);
  return sum / static_cast<double>(preds.size());
}

}  // namespace lighteval::metrics::nltk
