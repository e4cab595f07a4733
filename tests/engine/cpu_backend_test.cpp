// The CPU backend's ops at sizes where they split work over the thread pool, against plain
// double-precision loops written here (the definitions of the ops, not our kernels), and the
// same results whatever the thread count. The model fixtures are too small to reach the parallel
// paths, so these are what test the pool, the column split of linear() and the blocked attention.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/cpu_backend.h"

namespace lighteval::engine {
namespace {

std::vector<float> random_vector(size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// y = x W^T + b in double.
std::vector<double> linear_ref(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                               int m, int k, int n) {
  std::vector<double> y(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = b.empty() ? 0.0 : b[j];
      for (int t = 0; t < k; ++t) s += static_cast<double>(x[i * k + t]) * w[static_cast<size_t>(j) * k + t];
      y[static_cast<size_t>(i) * n + j] = s;
    }
  return y;
}

TEST(CpuBackend, LinearMatchesReferenceOnAnyThreadCount) {
  // n not a multiple of 16; sizes above the split thresholds; m = 1 and 3 take the
  // matrix-vector path of decode steps.
  for (const int m : {70, 3, 1}) {
  const int k = 512, n = 1000;
  const auto x = random_vector(static_cast<size_t>(m) * k, 1);
  const auto w = random_vector(static_cast<size_t>(n) * k, 2, 0.1f);
  const auto b = random_vector(n, 3);
  const auto ref = linear_ref(x, w, b, m, k, n);
  for (int threads : {1, 2, 3}) {
    CpuBackend be(threads);
    std::vector<float> y(static_cast<size_t>(m) * n);
    be.linear(y.data(), x.data(), w.data(), b.data(), m, k, n);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-4 * (1 + std::abs(ref[i]))) << threads << " " << i;
    be.linear(y.data(), x.data(), w.data(), nullptr, m, k, n);
    const auto ref_nb = linear_ref(x, w, {}, m, k, n);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref_nb[i], 1e-4 * (1 + std::abs(ref_nb[i])));
  }
  }
}

// Causal softmax attention of one query row over an explicit key list, in double.
void attend_ref(const float* qv, const std::vector<const float*>& keys, const std::vector<const float*>& values,
                int hd, double scale, double* out) {
  std::vector<double> s(keys.size());
  double mx = -INFINITY;
  for (size_t j = 0; j < keys.size(); ++j) {
    double d = 0;
    for (int t = 0; t < hd; ++t) d += static_cast<double>(qv[t]) * keys[j][t];
    s[j] = d * scale;
    mx = std::max(mx, s[j]);
  }
  double sum = 0;
  for (auto& e : s) sum += (e = std::exp(e - mx));
  for (int t = 0; t < hd; ++t) {
    double a = 0;
    for (size_t j = 0; j < keys.size(); ++j) a += s[j] / sum * values[j][t];
    out[t] = a;
  }
}

TEST(CpuBackend, AttentionMatchesReferenceAndIsThreadInvariant) {
  // A prefix tree as the scorer lays it out: a shared 300-row prefix, two branches of 120 and 9
  // rows attending to it, and a separate 40-row sequence; GQA with 8 query heads on 2 KV heads.
  const int n_heads = 8, n_kv = 2, hd = 16, rows = 300 + 120 + 9 + 40;
  const int qs = n_heads * hd, ks = n_kv * hd;
  const auto q = random_vector(static_cast<size_t>(rows) * qs, 4);
  const auto k = random_vector(static_cast<size_t>(rows) * ks, 5);
  const auto v = random_vector(static_cast<size_t>(rows) * ks, 6);
  std::vector<AttnSegment> segs = {{0, 300, 0, {}},
                                   {300, 120, 300, {{0, 300}}},
                                   {420, 9, 420, {{0, 300}}},
                                   {429, 40, 429, {}}};
  const float scale = 0.25f;
  std::vector<float> first;
  for (int threads : {1, 3}) {
    CpuBackend be(threads);
    std::vector<float> out(static_cast<size_t>(rows) * qs, -1.0f);
    be.attention(out.data(), q.data(), k.data(), v.data(), segs, n_heads, n_kv, hd, scale);
    if (first.empty()) {
      first = out;
      for (const auto& s : segs)
        for (int r = 0; r < s.q_len; ++r)
          for (int h = 0; h < n_heads; ++h) {
            const int kvh = h / (n_heads / n_kv);
            std::vector<const float*> keys, values;
            auto add = [&](int b, int e) {
              for (int j = b; j < e; ++j) {
                keys.push_back(k.data() + static_cast<size_t>(j) * ks + kvh * hd);
                values.push_back(v.data() + static_cast<size_t>(j) * ks + kvh * hd);
              }
            };
            for (const auto& sp : s.context) add(sp.begin, sp.end);
            add(s.kv_begin, s.kv_begin + r + 1);
            double ref[16];
            const size_t at = static_cast<size_t>(s.q_begin + r) * qs + h * hd;
            attend_ref(q.data() + at, keys, values, hd, scale, ref);
            for (int t = 0; t < hd; ++t) ASSERT_NEAR(out[at + t], ref[t], 1e-5) << "row " << s.q_begin + r << " head " << h;
          }
    } else {
      EXPECT_EQ(out, first) << "threads " << threads;
    }
  }
}

TEST(CpuBackend, RowOpsAreThreadInvariantAndCorrect) {
  const int m = 600, dim = 1024;  // m * dim (and m * dim / 2) above the parallel threshold
  const auto x = random_vector(static_cast<size_t>(m) * dim, 7);
  const auto w = random_vector(dim, 8);
  const auto b = random_vector(dim, 9);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    CpuBackend be(threads);
    std::vector<float> ln(x.size()), rms(x.size()), gelu(x), gate_up(x), silu(x.size() / 2), sum(x);
    be.layer_norm(ln.data(), x.data(), w.data(), b.data(), m, dim, 1e-5f);
    be.rms_norm(rms.data(), x.data(), w.data(), m, dim, 1e-6f);
    be.gelu_tanh(gelu.data(), gelu.size());
    be.silu_mul(silu.data(), gate_up.data(), m, dim / 2);
    be.add(sum.data(), x.data(), sum.size());
    std::vector<float> all;
    for (const auto* v : {&ln, &rms, &gelu, &silu, &sum}) all.insert(all.end(), v->begin(), v->end());
    results.push_back(all);
    if (threads == 1) {
      for (int r = 0; r < m; r += 37) {  // spot-check rows against the definitions
        const float* xr = x.data() + static_cast<size_t>(r) * dim;
        double mean = 0, var = 0, ss = 0;
        for (int i = 0; i < dim; ++i) mean += xr[i];
        mean /= dim;
        for (int i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean), ss += static_cast<double>(xr[i]) * xr[i];
        var /= dim;
        for (int i = 0; i < dim; i += 101) {
          const size_t at = static_cast<size_t>(r) * dim + i;
          EXPECT_NEAR(ln[at], (xr[i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i], 1e-4);
          EXPECT_NEAR(rms[at], xr[i] / std::sqrt(ss / dim + 1e-6) * w[i], 1e-4);
          const double g = xr[i];
          EXPECT_NEAR(gelu[at], 0.5 * g * (1 + std::tanh(std::sqrt(2 / M_PI) * (g + 0.044715 * g * g * g))), 1e-5);
          EXPECT_FLOAT_EQ(sum[at], 2 * xr[i]);
        }
        const float* gu = x.data() + static_cast<size_t>(r) * dim;
        for (int i = 0; i < dim / 2; i += 53) {
          const double gv = gu[i];
          EXPECT_NEAR(silu[static_cast<size_t>(r) * dim / 2 + i], gv / (1 + std::exp(-gv)) * gu[dim / 2 + i], 1e-5);
        }
      }
    }
  }
  EXPECT_EQ(results[1], results[0]);
  EXPECT_EQ(results[2], results[0]);
}

TEST(CpuBackend, LogprobGatherAndPoolReuse) {
  const int m = 40, vocab = 50000;
  const auto logits = random_vector(static_cast<size_t>(m) * vocab, 10, 3.0f);
  std::vector<int32_t> rows, targets;
  for (int r = 0; r < m; ++r) {
    rows.push_back(m - 1 - r);
    targets.push_back((r * 7919) % vocab);
  }
  CpuBackend be(3);
  std::vector<double> lp(m);
  std::vector<uint8_t> greedy(m);
  // Many jobs back to back: the pool must hand each one out and finish it (no lost wake-ups).
  for (int rep = 0; rep < 50; ++rep) be.logprob_gather(logits.data(), rows, targets, vocab, lp.data(), greedy.data());
  for (int r = 0; r < m; ++r) {
    const float* row = logits.data() + static_cast<size_t>(rows[r]) * vocab;
    double mx = row[0];
    int best = 0;
    for (int i = 1; i < vocab; ++i)
      if (row[i] > mx) mx = row[i], best = i;
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += std::exp(row[i] - mx);
    EXPECT_NEAR(lp[r], row[targets[r]] - mx - std::log(sum), 1e-9);
    EXPECT_EQ(greedy[r], best == targets[r]);
  }
  // Buffers above and below the mapping threshold.
  for (size_t n : {size_t{10}, size_t{1} << 20, size_t{3} << 20}) {
    float* p = be.alloc(n);
    p[0] = 1.0f;
    p[n - 1] = 2.0f;
    EXPECT_EQ(p[0] + p[n - 1], 3.0f);
    be.free(p);
  }
}

}  // namespace
}  // namespace lighteval::engine
