// sacrebleu's TER edit computation (lib_ter.py): tercom's greedy shifts, each chosen by the beam
// edit distance. The candidate order, limits and tie-breaks follow sacrebleu exactly, since they
// change the number of edits. sacrebleu's row cache is only a speed-up and is left out.
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "metrics/sacrebleu.h"
#include "util/error.h"

namespace lighteval::metrics::sacrebleu {
namespace {

using Words = std::vector<std::string>;
constexpr int kMaxShiftSize = 10, kMaxShiftDist = 50, kBeamWidth = 25, kMaxShiftCandidates = 1000;
constexpr long long kInf = 10000000000000000LL;

struct Cell {
  long long cost = kInf;
  char op = 'x';
};

// Beam edit distance of hyp against ref; returns (distance, trace of ' ', 's', 'i', 'd').
std::pair<long long, std::string> beam_edit_distance(const Words& h, const Words& r) {
  size_t nh = h.size(), nr = r.size();
  std::vector<std::vector<Cell>> dist(nh + 1, std::vector<Cell>(nr + 1));
  for (size_t j = 0; j <= nr; ++j) dist[0][j] = {static_cast<long long>(j), 'i'};
  double ratio = nh ? static_cast<double>(nr) / static_cast<double>(nh) : 1.0;
  long beam = kBeamWidth < ratio / 2 ? static_cast<long>(std::ceil(ratio / 2 + kBeamWidth)) : kBeamWidth;
  for (size_t i = 1; i <= nh; ++i) {
    long diag = static_cast<long>(std::floor(static_cast<double>(i) * ratio));
    long min_j = std::max(0L, diag - beam);
    long max_j = std::min(static_cast<long>(nr) + 1, diag + beam);
    if (i == nh) max_j = static_cast<long>(nr) + 1;
    for (long jj = min_j; jj < max_j; ++jj) {
      size_t j = static_cast<size_t>(jj);
      if (j == 0) {
        dist[i][j] = {dist[i - 1][j].cost + 1, 'd'};
        continue;
      }
      bool same = h[i - 1] == r[j - 1];
      const std::pair<long long, char> ops[3] = {
          {dist[i - 1][j - 1].cost + (same ? 0 : 1), same ? ' ' : 's'},
          {dist[i - 1][j].cost + 1, 'd'},
          {dist[i][j - 1].cost + 1, 'i'}};
      for (auto [c, op] : ops)
        if (dist[i][j].cost > c) dist[i][j] = {c, op};
    }
  }
  std::string trace;
  size_t i = nh, j = nr;
  while (i > 0 || j > 0) {
    char op = dist[i][j].op;
    trace.insert(trace.begin(), op);
    if (op == 's' || op == ' ') {
      --i;
      --j;
    } else if (op == 'i') {
      --j;
    } else if (op == 'd') {
      --i;
    } else {
      throw Error("internal error in TER: edit trace left the beam");
    }
  }
  return {dist[nh][nr].cost, trace};
}

Words perform_shift(const Words& w, size_t start, size_t length, size_t target) {
  Words out;
  auto add = [&](size_t a, size_t b) {
    a = std::min(a, w.size());
    b = std::min(b, w.size());
    if (a < b) out.insert(out.end(), w.begin() + a, w.begin() + b);
  };
  if (target < start) {
    add(0, target);
    add(start, start + length);
    add(target, start);
    add(start + length, w.size());
  } else if (target > start + length) {
    add(0, start);
    add(start + length, target);
    add(start, start + length);
    add(target, w.size());
  } else {
    add(0, start);
    add(start + length, length + target);
    add(start, start + length);
    add(length + target, w.size());
  }
  return out;
}

struct Candidate {
  long long score;
  long length, neg_start, neg_idx;
  Words words;
  bool operator>(const Candidate& o) const {
    return std::tie(score, length, neg_start, neg_idx, words) >
           std::tie(o.score, o.length, o.neg_start, o.neg_idx, o.words);
  }
};

// One greedy shift step; returns (gain, shifted words) and updates the candidate count.
std::pair<long long, Words> shift(const Words& h, const Words& r, int& checked) {
  auto [pre_score, inv_trace] = beam_edit_distance(h, r);
  std::string trace = inv_trace;
  for (char& c : trace) c = c == 'i' ? 'd' : c == 'd' ? 'i' : c;
  std::map<long, long> align;
  std::vector<int> ref_err, hyp_err;
  long ph = -1, pr = -1;
  for (char op : trace) {
    if (op == ' ' || op == 's') {
      ++ph;
      ++pr;
      align[pr] = ph;
      hyp_err.push_back(op == 's');
      ref_err.push_back(op == 's');
    } else if (op == 'i') {
      ++ph;
      hyp_err.push_back(1);
    } else {
      ++pr;
      align[pr] = ph;
      ref_err.push_back(1);
    }
  }
  auto err_sum = [](const std::vector<int>& e, size_t a, size_t n) {
    int s = 0;
    for (size_t k = a; k < a + n && k < e.size(); ++k) s += e[k];
    return s;
  };
  bool have = false;
  Candidate best;
  size_t nh = h.size(), nr = r.size();
  for (size_t sh = 0; sh < nh; ++sh) {
    for (size_t sr = 0; sr < nr; ++sr) {
      if (std::labs(static_cast<long>(sr) - static_cast<long>(sh)) > kMaxShiftDist) continue;
      size_t length = 0;
      while (h[sh + length] == r[sr + length] && length < kMaxShiftSize) {
        ++length;
        // Each prefix of the common run is a candidate (sacrebleu yields inside the loop).
        bool skip = err_sum(hyp_err, sh, length) == 0 || err_sum(ref_err, sr, length) == 0;
        if (!skip) {
          long a = align.count(static_cast<long>(sr)) ? align[static_cast<long>(sr)] : LONG_MIN;
          if (static_cast<long>(sh) <= a && a < static_cast<long>(sh + length)) skip = true;
        }
        if (!skip) {
          long prev_idx = -1;
          for (long offset = -1; offset < static_cast<long>(length); ++offset) {
            long idx;
            long pos = static_cast<long>(sr) + offset;
            if (pos == -1) {
              idx = 0;
            } else if (align.count(pos)) {
              idx = align[pos] + 1;
            } else {
              break;
            }
            if (idx == prev_idx) continue;
            prev_idx = idx;
            Words shifted = perform_shift(h, sh, length, static_cast<size_t>(idx));
            Candidate c{pre_score - beam_edit_distance(shifted, r).first, static_cast<long>(length),
                        -static_cast<long>(sh), -idx, std::move(shifted)};
            ++checked;
            if (!have || c > best) {
              best = std::move(c);
              have = true;
            }
          }
          // sacrebleu checks the limit only after a candidate that was not skipped.
          if (checked >= kMaxShiftCandidates) goto done;
        }
        if (nh == sh + length || nr == sr + length) break;
      }
    }
  }
done:
  if (!have) return {0, h};
  return {best.score, best.words};
}

}  // namespace

std::pair<int, int> translation_edit_rate(const Words& hyp, const Words& ref) {
  if (ref.empty()) return {static_cast<int>(hyp.size()), 0};
  int shifts = 0, checked = 0;
  Words input = hyp;
  while (true) {
    auto [delta, next] = shift(input, ref, checked);
    if (checked >= kMaxShiftCandidates) break;
    if (delta <= 0) break;
    ++shifts;
    input = std::move(next);
  }
  long long ed = beam_edit_distance(input, ref).first;
  return {static_cast<int>(shifts + ed), static_cast<int>(ref.size())};
}

}  // namespace lighteval::metrics::sacrebleu
