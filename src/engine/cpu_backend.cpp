#include "engine/cpu_backend.h"

#include <cblas.h>
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "util/error.h"

namespace lighteval::engine {

// Below this many multiply-adds an op runs on one thread: waking a team costs more than it saves
// (and on a busy 2-core machine OpenMP and OpenBLAS threads would fight).
constexpr long kParallelWork = 1 << 17;

CpuBackend::CpuBackend(int num_threads) : threads_(num_threads > 0 ? num_threads : omp_get_max_threads()) {}

// From this size on a buffer gets its own mapping (page-aligned, zero-filled on first touch).
constexpr size_t kMapBytes = size_t{1} << 20;

float* CpuBackend::alloc(size_t n) {
  const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
  if (bytes >= kMapBytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw Error("out of memory allocating " + std::to_string(bytes >> 20) + " MiB on the CPU");
    std::lock_guard lock(mapped_mutex_);
    mapped_.emplace(static_cast<float*>(p), bytes);
    return static_cast<float*>(p);
  }
  // 64-byte alignment for AVX-512 loads; size rounded up as aligned_alloc requires.
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes >> 10) + " KiB on the CPU");
  return static_cast<float*>(p);
}

void CpuBackend::free(float* p) {
  if (!p) return;
  {
    std::lock_guard lock(mapped_mutex_);
    auto it = mapped_.find(p);
    if (it != mapped_.end()) {
      munmap(p, it->second);
      mapped_.erase(it);
      return;
    }
  }
  std::free(p);
}

void CpuBackend::upload(float* dst, const float* src, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void CpuBackend::download(float* dst, const float* src, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void CpuBackend::copy(float* dst, const float* src, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }

void CpuBackend::embedding(float* out, const float* table, std::span<const int32_t> ids, int dim) {
  for (size_t i = 0; i < ids.size(); ++i)
    std::memcpy(out + i * dim, table + static_cast<size_t>(ids[i]) * dim, dim * sizeof(float));
}

void CpuBackend::gather_rows(float* out, const float* x, std::span<const int32_t> rows, int dim) {
  embedding(out, x, rows, dim);
}

void CpuBackend::scatter_rows(float* dst, const float* x, std::span<const int32_t> rows, int dim) {
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(dst + static_cast<size_t>(rows[i]) * dim, x + i * dim, dim * sizeof(float));
}

void CpuBackend::linear(float* y, const float* x, const float* w, const float* bias, int m, int k, int n) {
  if (m == 0) return;
  float beta = 0.0f;
  if (bias) {
    for (int i = 0; i < m; ++i) std::memcpy(y + static_cast<size_t>(i) * n, bias, n * sizeof(float));
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, w, k, beta, y, n);
}

void CpuBackend::add(float* y, const float* x, size_t n) {
#pragma omp parallel for simd num_threads(threads_) schedule(static) if (n > (1 << 18))
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void CpuBackend::layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) {
#pragma omp parallel for num_threads(threads_) schedule(static) if (static_cast<long>(m) * dim > kParallelWork)
  for (int r = 0; r < m; ++r) {
    const float* xr = x + static_cast<size_t>(r) * dim;
    float* yr = y + static_cast<size_t>(r) * dim;
    double mean = 0;
    for (int i = 0; i < dim; ++i) mean += xr[i];
    mean /= dim;
    double var = 0;
    for (int i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= dim;
    const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    const float mu = static_cast<float>(mean);
    for (int i = 0; i < dim; ++i) yr[i] = (xr[i] - mu) * rstd * w[i] + (b ? b[i] : 0.0f);
  }
}

void CpuBackend::rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) {
#pragma omp parallel for num_threads(threads_) schedule(static) if (static_cast<long>(m) * dim > kParallelWork)
  for (int r = 0; r < m; ++r) {
    const float* xr = x + static_cast<size_t>(r) * dim;
    float* yr = y + static_cast<size_t>(r) * dim;
    double ss = 0;
    for (int i = 0; i < dim; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const float rs = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
    for (int i = 0; i < dim; ++i) yr[i] = w[i] * (xr[i] * rs);
  }
}

void CpuBackend::rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads,
                      int head_dim, float attention_scale) {
  const int half = static_cast<int>(inv_freq.size());
  const int m = static_cast<int>(positions.size());
#pragma omp parallel num_threads(threads_) if (static_cast<long>(m) * n_heads * head_dim > kParallelWork)
  {
    std::vector<float> cs(half), sn(half);
#pragma omp for schedule(static)
    for (int r = 0; r < m; ++r) {
      const float pos = static_cast<float>(positions[r]);
      for (int j = 0; j < half; ++j) {
        const float a = pos * inv_freq[j];  // fp32 product, as transformers computes it
        cs[j] = std::cos(a) * attention_scale;
        sn[j] = std::sin(a) * attention_scale;
      }
      float* row = x + static_cast<size_t>(r) * n_heads * head_dim;
      for (int h = 0; h < n_heads; ++h) {
        float* v = row + h * head_dim;
        for (int j = 0; j < half; ++j) {
          const float a = v[j], b = v[j + half];
          v[j] = a * cs[j] - b * sn[j];
          v[j + half] = b * cs[j] + a * sn[j];
        }
      }
    }
  }
}

void CpuBackend::gelu_tanh(float* x, size_t n) {
  const float k = 0.7978845608028654f;  // sqrt(2/pi)
#pragma omp parallel for num_threads(threads_) schedule(static) if (n > static_cast<size_t>(kParallelWork))
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
  }
}

void CpuBackend::gelu_erf(float* x, size_t n) {
#pragma omp parallel for num_threads(threads_) schedule(static) if (n > static_cast<size_t>(kParallelWork))
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

void CpuBackend::silu_mul(float* out, const float* gate_up, int m, int inter) {
#pragma omp parallel for num_threads(threads_) schedule(static) if (static_cast<long>(m) * inter > kParallelWork)
  for (int r = 0; r < m; ++r) {
    const float* g = gate_up + static_cast<size_t>(r) * 2 * inter;
    const float* u = g + inter;
    float* o = out + static_cast<size_t>(r) * inter;
    for (int i = 0; i < inter; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

void CpuBackend::relu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

namespace {
inline float dot(const float* a, const float* b, int n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

void CpuBackend::attention(float* out, const float* q, const float* k, const float* v,
                           std::span<const AttnSegment> segments, int n_heads, int n_kv, int head_dim, float scale) {
  // One work item = (segment, head, query row); each walks its visible keys once for the scores
  // and once for the weighted sum. Key order is context spans then own keys, fixed per query, so a
  // query's result does not depend on what else is in the batch.
  struct Item {
    int32_t seg;
    int32_t row;  // row within the segment
  };
  std::vector<Item> items;
  size_t max_keys = 0;
  for (size_t s = 0; s < segments.size(); ++s) {
    size_t ctx = 0;
    for (const auto& sp : segments[s].context) ctx += sp.end - sp.begin;
    max_keys = std::max(max_keys, ctx + segments[s].q_len);
    for (int r = 0; r < segments[s].q_len; ++r) items.push_back({static_cast<int32_t>(s), r});
  }
  const int group = n_heads / n_kv;
  const size_t q_stride = static_cast<size_t>(n_heads) * head_dim;
  const size_t kv_stride = static_cast<size_t>(n_kv) * head_dim;
  const long total = static_cast<long>(items.size()) * n_heads;
  long work = 0;
  for (const auto& s : segments) {
    long ctx = 0;
    for (const auto& sp : s.context) ctx += sp.end - sp.begin;
    work += static_cast<long>(s.q_len) * (ctx + s.q_len) * head_dim;
  }
  work *= n_heads;
#pragma omp parallel num_threads(threads_) if (work > kParallelWork)
  {
    std::vector<float> scores(max_keys);
    std::vector<float> acc(head_dim);
#pragma omp for schedule(dynamic, 16)
    for (long w = 0; w < total; ++w) {
      const Item it = items[w / n_heads];
      const int h = static_cast<int>(w % n_heads);
      const int kvh = h / group;
      const AttnSegment& seg = segments[it.seg];
      const float* qv = q + static_cast<size_t>(seg.q_begin + it.row) * q_stride + h * head_dim;
      size_t n = 0;
      float mx = -INFINITY;
      auto score_span = [&](int32_t b, int32_t e) {
        for (int32_t j = b; j < e; ++j) {
          const float s = dot(qv, k + static_cast<size_t>(j) * kv_stride + kvh * head_dim, head_dim) * scale;
          scores[n++] = s;
          mx = std::max(mx, s);
        }
      };
      for (const auto& sp : seg.context) score_span(sp.begin, sp.end);
      score_span(seg.kv_begin, seg.kv_begin + it.row + 1);
      float sum = 0.0f;
      for (size_t j = 0; j < n; ++j) {
        scores[j] = std::exp(scores[j] - mx);
        sum += scores[j];
      }
      const float inv = 1.0f / sum;
      std::fill(acc.begin(), acc.end(), 0.0f);
      size_t idx = 0;
      auto accumulate = [&](int32_t b, int32_t e) {
        for (int32_t j = b; j < e; ++j) {
          const float p = scores[idx++] * inv;
          const float* vv = v + static_cast<size_t>(j) * kv_stride + kvh * head_dim;
#pragma omp simd
          for (int d = 0; d < head_dim; ++d) acc[d] += p * vv[d];
        }
      };
      for (const auto& sp : seg.context) accumulate(sp.begin, sp.end);
      accumulate(seg.kv_begin, seg.kv_begin + it.row + 1);
      std::memcpy(out + static_cast<size_t>(seg.q_begin + it.row) * q_stride + h * head_dim, acc.data(),
                  head_dim * sizeof(float));
    }
  }
}

void CpuBackend::logprob_gather(const float* logits, std::span<const int32_t> rows,
                                std::span<const int32_t> targets, int vocab, double* logprob, uint8_t* greedy) {
  const int m = static_cast<int>(targets.size());
#pragma omp parallel for num_threads(threads_) schedule(static) if (static_cast<long>(m) * vocab > kParallelWork)
  for (int r = 0; r < m; ++r) {
    const float* row = logits + static_cast<size_t>(rows[r]) * vocab;
    int best = 0;
    for (int i = 1; i < vocab; ++i)
      if (row[i] > row[best]) best = i;
    const double mx = row[best];
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(row[i]) - mx);
    logprob[r] = static_cast<double>(row[targets[r]]) - mx - std::log(sum);
    greedy[r] = best == targets[r];
  }
}

void CpuBackend::argmax_rows(const float* logits, int m, int vocab, int32_t* out) {
  for (int r = 0; r < m; ++r) {
    const float* row = logits + static_cast<size_t>(r) * vocab;
    int best = 0;
    for (int i = 1; i < vocab; ++i)
      if (row[i] > row[best]) best = i;
    out[r] = best;
  }
}

}  // namespace lighteval::engine
