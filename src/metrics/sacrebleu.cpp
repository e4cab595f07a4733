#include "metrics/sacrebleu.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "metrics/py_text.h"
#include "util/error.h"

namespace lighteval::metrics::sacrebleu {
namespace {

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

// The first 13a regex class [\{-\~\[-\` -\&\(-\+\:-\@\/].
bool is_13a_punct(char32_t c) {
  return (c >= U'{' && c <= U'~') || (c >= U'[' && c <= U'`') || (c >= U' ' && c <= U'&') ||
         (c >= U'(' && c <= U'+') || (c >= U':' && c <= U'@') || c == U'/';
}

std::u32string sub_pairs(const std::u32string& s, bool (*first)(char32_t), bool (*second)(char32_t),
                         bool space_before_first, bool space_after_first, bool space_after_second) {
  // re.sub of a two-character pattern (a)(b) -> [' ']a[' ']b[' '] scanning left to right without
  // overlap, as Python does.
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && first(s[i]) && second(s[i + 1])) {
      if (space_before_first) out.push_back(U' ');
      out.push_back(s[i]);
      if (space_after_first) out.push_back(U' ');
      out.push_back(s[i + 1]);
      if (space_after_second) out.push_back(U' ');
      i += 2;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

bool not_digit(char32_t c) { return !is_digit(c); }
bool dot_comma(char32_t c) { return c == U'.' || c == U','; }
bool dash(char32_t c) { return c == U'-'; }

std::vector<std::string> words_of(std::string_view s) { return py::split(s); }

using Counts = std::map<std::vector<std::string>, int>;

Counts ngrams(const std::vector<std::string>& w, size_t n) {
  Counts c;
  if (w.size() < n) return c;
  for (size_t i = 0; i + n <= w.size(); ++i) ++c[std::vector<std::string>(w.begin() + i, w.begin() + i + n)];
  return c;
}

void check_shapes(const std::vector<std::string>& hyps, const References& refs, const char* m) {
  if (hyps.size() != refs.size())
    throw Error(std::string(m) + ": " + std::to_string(hyps.size()) + " hypotheses but " +
                std::to_string(refs.size()) + " reference sets");
  for (const auto& r : refs)
    if (r.empty()) throw Error(std::string(m) + ": a hypothesis has no reference");
}

}  // namespace

std::string tokenize_13a(std::string_view line_in) {
  std::string line(line_in);
  line = py::replace_all(line, "<skipped>", "");
  line = py::replace_all(line, "-\n", "");
  line = py::replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    line = py::replace_all(line, "&quot;", "\"");
    line = py::replace_all(line, "&amp;", "&");
    line = py::replace_all(line, "&lt;", "<");
    line = py::replace_all(line, "&gt;", ">");
  }
  std::u32string s = py::decode(" " + line + " ");
  std::u32string t;
  for (char32_t c : s) {
    if (is_13a_punct(c)) {
      t.push_back(U' ');
      t.push_back(c);
      t.push_back(U' ');
    } else {
      t.push_back(c);
    }
  }
  t = sub_pairs(t, not_digit, dot_comma, false, true, true);   // ([^0-9])([\.,]) -> \1 \2 _
  t = sub_pairs(t, dot_comma, not_digit, true, true, false);   // ([\.,])([^0-9]) -> _\1 \2
  t = sub_pairs(t, is_digit, dash, false, true, true);         // ([0-9])(-) -> \1 \2 _
  return py::join(words_of(py::encode(t)), " ");
}

std::string tokenize_tercom(std::string_view line) {
  if (line.empty()) return std::string();
  return py::join(py::split(py::lower(line)), " ");
}

namespace {
using StatsFn = std::vector<double> (*)(const std::string&, const std::vector<std::string>&);
using ScoreFn = double (*)(const std::vector<double>&);

double corpus_score(const std::vector<std::string>& hyps, const References& refs, const char* name,
                    StatsFn stats, ScoreFn score) {
  check_shapes(hyps, refs, name);
  std::vector<double> total;
  for (size_t s = 0; s < hyps.size(); ++s) {
    std::vector<double> st = stats(hyps[s], refs[s]);
    if (total.empty()) total.assign(st.size(), 0.0);
    for (size_t i = 0; i < st.size(); ++i) total[i] += st[i];
  }
  if (total.empty()) throw Error(std::string(name) + " needs at least one hypothesis");
  return score(total);
}
}  // namespace

constexpr int kOrder = 4;

std::vector<double> bleu_stats(const std::string& hyp, const std::vector<std::string>& refs) {
  if (refs.empty()) throw Error("bleu: a hypothesis has no reference");
  std::vector<double> st(2 + 2 * kOrder, 0.0);
  auto hw = words_of(tokenize_13a(py::rstrip(hyp)));
  std::vector<std::vector<std::string>> rws;
  for (const auto& r : refs) rws.push_back(words_of(tokenize_13a(py::rstrip(r))));
  // Closest reference length, the shorter one on ties.
  long hl = static_cast<long>(hw.size()), best_diff = -1, best_len = -1;
  for (const auto& rw : rws) {
    long rl = static_cast<long>(rw.size()), diff = std::labs(hl - rl);
    if (best_diff == -1 || diff < best_diff) {
      best_diff = diff;
      best_len = rl;
    } else if (diff == best_diff) {
      best_len = std::min(best_len, rl);
    }
  }
  st[0] = static_cast<double>(hl);
  st[1] = static_cast<double>(best_len);
  for (int n = 1; n <= kOrder; ++n) {
    Counts hc = ngrams(hw, static_cast<size_t>(n));
    Counts maxref;
    for (const auto& rw : rws)
      for (const auto& [g, c] : ngrams(rw, static_cast<size_t>(n))) maxref[g] = std::max(maxref[g], c);
    for (const auto& [g, c] : hc) {
      auto it = maxref.find(g);
      if (it != maxref.end()) st[1 + n] += std::min(c, it->second);
    }
    st[1 + kOrder + n] += static_cast<double>(std::max(0L, hl - n + 1));
  }
  return st;
}

double bleu_from_stats(const std::vector<double>& st) {
  double sys_len = st[0], ref_len = st[1];
  const double* correct = &st[2];
  const double* total = &st[2 + kOrder];
  double bp = sys_len < ref_len ? (sys_len > 0 ? std::exp(1 - ref_len / sys_len) : 0.0) : 1.0;
  bool any = false;
  for (int n = 0; n < kOrder; ++n) any = any || correct[n] != 0;
  if (!any) return 0.0;
  double precisions[kOrder] = {0};
  double smooth = 1.0;
  for (int n = 0; n < kOrder; ++n) {
    if (total[n] == 0) break;
    if (correct[n] == 0) {
      smooth *= 2;
      precisions[n] = 100.0 / (smooth * total[n]);
    } else {
      precisions[n] = 100.0 * correct[n] / total[n];
    }
  }
  double sum = 0;
  for (double p : precisions) sum += p == 0 ? -9999999999.0 : std::log(p);
  return bp * std::exp(sum / kOrder);
}

double corpus_bleu(const std::vector<std::string>& hyps, const References& refs) {
  return corpus_score(hyps, refs, "bleu", bleu_stats, bleu_from_stats);
}

namespace {
constexpr int kCharOrder = 6;
constexpr double kBeta = 2.0;

std::vector<std::map<std::u32string, int>> char_ngrams(const std::string& line) {
  std::u32string s = py::decode(py::join(py::split(line), ""));
  std::vector<std::map<std::u32string, int>> out(kCharOrder);
  for (size_t n = 1; n <= kCharOrder; ++n)
    if (s.size() >= n)
      for (size_t i = 0; i + n <= s.size(); ++i) ++out[n - 1][s.substr(i, n)];
  return out;
}
}  // namespace

double chrf_from_stats(const std::vector<double>& st) {
  const double eps = 1e-16, factor = kBeta * kBeta;
  double avg_prec = 0, avg_rec = 0;
  int eff = 0;
  for (int i = 0; i < kCharOrder; ++i) {
    double n_hyp = st[3 * i], n_ref = st[3 * i + 1], n_match = st[3 * i + 2];
    double prec = n_hyp > 0 ? n_match / n_hyp : eps;
    double rec = n_ref > 0 ? n_match / n_ref : eps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++eff;
    }
  }
  if (eff == 0) {
    avg_prec = avg_rec = 0;
  } else {
    avg_prec /= eff;
    avg_rec /= eff;
  }
  if (avg_prec + avg_rec == 0) return 0.0;
  return 100 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
}

std::vector<double> chrf_stats(const std::string& hyp, const std::vector<std::string>& refs) {
  if (refs.empty()) throw Error("chrf: a hypothesis has no reference");
  auto hn = char_ngrams(hyp);
  std::vector<double> best;
  double best_f = -1;
  for (const auto& r : refs) {
    auto rn = char_ngrams(r);
    std::vector<double> st;
    for (int n = 0; n < kCharOrder; ++n) {
      double hc = 0, rc = 0, mc = 0;
      for (const auto& [g, c] : hn[n]) {
        hc += c;
        auto it = rn[n].find(g);
        if (it != rn[n].end()) mc += std::min(c, it->second);
      }
      for (const auto& [g, c] : rn[n]) rc += c;
      st.insert(st.end(), {hc, rc, mc});
    }
    double f = chrf_from_stats(st);
    if (f > best_f) {  // the best-scoring reference, the first on ties
      best_f = f;
      best = st;
    }
  }
  return best;
}

double corpus_chrf(const std::vector<std::string>& hyps, const References& refs) {
  return corpus_score(hyps, refs, "chrf", chrf_stats, chrf_from_stats);
}

std::vector<double> ter_stats(const std::string& hyp, const std::vector<std::string>& refs) {
  if (refs.empty()) throw Error("ter: a hypothesis has no reference");
  auto hw = py::split(tokenize_tercom(py::rstrip(hyp)));
  long best = static_cast<long>(1e16);
  double lens = 0;
  for (const auto& r : refs) {
    auto rw = py::split(tokenize_tercom(py::rstrip(r)));
    auto [e, len] = translation_edit_rate(hw, rw);
    lens += len;
    best = std::min(best, static_cast<long>(e));
  }
  return {static_cast<double>(best), lens / static_cast<double>(refs.size())};
}

double ter_from_stats(const std::vector<double>& st) {
  double edits = st[0], ref_lengths = st[1];
  double score = ref_lengths > 0 ? edits / ref_lengths : (edits > 0 ? 1.0 : 0.0);
  return 100 * score;
}

double corpus_ter(const std::vector<std::string>& hyps, const References& refs) {
  return corpus_score(hyps, refs, "ter", ter_stats, ter_from_stats);
}

References transpose_streams(const std::vector<std::vector<std::string>>& streams) {
  References out;
  if (streams.empty()) return out;
  size_t n = streams[0].size();
  for (const auto& s : streams) n = std::min(n, s.size());
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> refs;
    for (const auto& s : streams) refs.push_back(s[i]);
    out.push_back(std::move(refs));
  }
  return out;
}

}  // namespace lighteval::metrics::sacrebleu
