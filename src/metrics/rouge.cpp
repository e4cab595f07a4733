#include "metrics/rouge.h"

#include <algorithm>
#include <map>
#include <set>

#include "metrics/py_text.h"
#include "util/error.h"

namespace lighteval::metrics::rouge {
namespace {

using Tokens = std::vector<std::string>;

double fmeasure(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

Score ngram_score(const Tokens& t, const Tokens& p, size_t n) {
  auto grams = [n](const Tokens& w) {
    std::map<Tokens, int> c;
    if (w.size() >= n)
      for (size_t i = 0; i + n <= w.size(); ++i) ++c[Tokens(w.begin() + i, w.begin() + i + n)];
    return c;
  };
  auto tg = grams(t), pg = grams(p);
  double inter = 0, tt = 0, pt = 0;
  for (const auto& [g, c] : tg) {
    tt += c;
    auto it = pg.find(g);
    if (it != pg.end()) inter += std::min(c, it->second);
  }
  for (const auto& [g, c] : pg) pt += c;
  Score s;
  s.precision = inter / std::max(pt, 1.0);
  s.recall = inter / std::max(tt, 1.0);
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

std::vector<std::vector<int>> lcs_table(const Tokens& r, const Tokens& c) {
  std::vector<std::vector<int>> t(r.size() + 1, std::vector<int>(c.size() + 1, 0));
  for (size_t i = 1; i <= r.size(); ++i)
    for (size_t j = 1; j <= c.size(); ++j)
      t[i][j] = r[i - 1] == c[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t;
}

// Indices into r of one LCS, backtracking as rouge_score's _backtrack_norec does.
std::vector<size_t> lcs_indices(const Tokens& r, const Tokens& c) {
  auto t = lcs_table(r, c);
  std::vector<size_t> out;
  size_t i = r.size(), j = c.size();
  while (i > 0 && j > 0) {
    if (r[i - 1] == c[j - 1]) {
      out.insert(out.begin(), i - 1);
      --i;
      --j;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      --j;
    } else {
      --i;
    }
  }
  return out;
}

Score lcs_score(const Tokens& t, const Tokens& p) {
  if (t.empty() || p.empty()) return {};
  double lcs = lcs_table(t, p)[t.size()][p.size()];
  Score s;
  s.precision = lcs / static_cast<double>(p.size());
  s.recall = lcs / static_cast<double>(t.size());
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

Score summary_lcs(const std::vector<Tokens>& ref, const std::vector<Tokens>& can) {
  if (ref.empty() || can.empty()) return {};
  double m = 0, n = 0;
  std::map<std::string, int> cnt_r, cnt_c;
  for (const auto& s : ref) {
    m += static_cast<double>(s.size());
    for (const auto& w : s) ++cnt_r[w];
  }
  for (const auto& s : can) {
    n += static_cast<double>(s.size());
    for (const auto& w : s) ++cnt_c[w];
  }
  if (m == 0 || n == 0) return {};
  double hits = 0;
  for (const auto& r : ref) {
    std::set<size_t> uni;
    for (const auto& c : can)
      for (size_t i : lcs_indices(r, c)) uni.insert(i);
    for (size_t i : uni) {
      const std::string& w = r[i];
      if (cnt_c[w] > 0 && cnt_r[w] > 0) {
        ++hits;
        --cnt_c[w];
        --cnt_r[w];
      }
    }
  }
  Score s;
  s.recall = hits / m;
  s.precision = hits / n;
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

std::vector<Tokens> sentences(std::string_view text) {
  std::vector<Tokens> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view sent = text.substr(pos, nl - pos);
    if (!sent.empty()) out.push_back(tokenize(sent));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

Tokens tokenize(std::string_view text) {
  std::string low = py::lower(text);
  // Every character outside [a-z0-9] separates tokens; runs collapse, empty pieces are dropped.
  Tokens out;
  std::string cur;
  for (char ch : low) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
      cur.push_back(ch);
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

Score score(std::string_view method, std::string_view target, std::string_view prediction) {
  if (method == "rougeL") return lcs_score(tokenize(target), tokenize(prediction));
  if (method == "rougeLsum") return summary_lcs(sentences(target), sentences(prediction));
  if (method.size() == 6 && method.substr(0, 5) == "rouge" && method[5] >= '1' && method[5] <= '9')
    return ngram_score(tokenize(target), tokenize(prediction), static_cast<size_t>(method[5] - '0'));
  throw Error("unknown ROUGE type '" + std::string(method) + "' (use rouge1..rouge9, rougeL, rougeLsum)");
}

double mean_fmeasure(std::string_view method, const std::vector<std::string>& golds,
                     const std::vector<std::string>& preds) {
  if (golds.empty() || preds.empty())
    throw Error(std::string(method) + " needs at least one gold and one prediction per sample");
  double sum = 0;
  for (const auto& p : preds)
    for (const auto& g : golds) sum += score(method, g, p).fmeasure;
  return sum / static_cast<double>(golds.size() * preds.size());
}

}  // namespace lighteval::metrics::rouge
