#include "engine/cpu_backend.h"

#include <cblas.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"

namespace lighteval::engine {

// Below this many elements an op runs on the calling thread alone: waking helpers costs more.
constexpr long kParallelWork = 1 << 18;
// Multiply-adds from which linear() and attention() split their GEMMs over the threads.
constexpr long kParallelGemm = 1 << 22;
// Up to this many rows linear() uses matrix-vector products.
constexpr int kGemvRows = 4;

// The backend's threads. Helpers block on a condition variable between jobs instead of spinning
// (as OpenMP teams do by default): with OpenMP, idle threads spinning after every op took the
// core the serial code needed, and on a busy 2-core machine two threads ran 2-5x slower than one.
// A job is a function over items; the caller works on it too and returns when all are done.
class CpuBackend::Pool {
 public:
  explicit Pool(int threads) {
    for (int t = 1; t < threads; ++t) helpers_.emplace_back([this, t] { loop(t); });
  }
  ~Pool() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& h : helpers_) h.join();
  }
  void run(long count, const std::function<void(long, int)>& fn) {
    const int helpers = static_cast<int>(std::min<long>(static_cast<long>(helpers_.size()), count - 1));
    if (helpers <= 0) {
      for (long i = 0; i < count; ++i) fn(i, 0);
      return;
    }
    {
      std::lock_guard lock(m_);
      fn_ = &fn;
      count_ = count;
      next_.store(0);
      wanted_ = helpers;
      pending_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock lock(m_);
    done_.wait(lock, [&] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  void work(int thread) {
    for (long i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) (*fn_)(i, thread);
  }
  void loop(int thread) {
    uint64_t seen = 0;
    std::unique_lock lock(m_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (stop_) return;
      if (thread > wanted_) continue;  // this job needs fewer threads
      lock.unlock();
      work(thread);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex m_;
  std::condition_variable wake_, done_;
  const std::function<void(long, int)>* fn_ = nullptr;
  long count_ = 0;
  std::atomic<long> next_{0};
  int wanted_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

namespace {
int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

CpuBackend::CpuBackend(int num_threads)
    : threads_(num_threads > 0 ? num_threads : default_threads()), pool_(std::make_unique<Pool>(threads_)) {
  // OpenBLAS runs single-threaded inside our threads: linear() splits its GEMMs itself and
  // attention() calls sgemm from every thread. OpenBLAS's own pool (the pthread build) would spin
  // against ours and, called from several threads at once, serialise them.
  openblas_set_num_threads(1);
}

CpuBackend::~CpuBackend() = default;

void CpuBackend::parallel(long n, long work, long threshold, const std::function<void(long, long, int)>& fn) {
  const long parts = work > threshold ? std::min<long>(threads_, n) : 1;
  if (parts <= 1) {
    if (n > 0) fn(0, n, 0);
    return;
  }
  pool_->run(parts, [&](long part, int thread) { fn(n * part / parts, n * (part + 1) / parts, thread); });
}

void CpuBackend::parallel_items(long count, const std::function<void(long, int)>& fn) { pool_->run(count, fn); }

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
  const float beta = bias ? 1.0f : 0.0f;
  // Output columns split over the threads in multiples of 16; each element's reduction over k is
  // the same whatever the split or m, so results do not depend on the batch.
  // Decode-sized batches (a few rows) take one matrix-vector product per row: sgemm would first copy
  // (pack) all of W, which for m = 1-4 costs more than reading W once per row; they are
  // memory-bound, so they split over the threads from a smaller size.
  const bool gemv = m <= kGemvRows;
  const long work = static_cast<long>(gemv ? 16 : m) * n * k;
  const int parts = work > kParallelGemm ? std::min(threads_, std::max(1, n / 16)) : 1;
  auto columns = [&](long t, int) {
    const int n0 = static_cast<int>(static_cast<long>(n / 16) * t / parts) * 16;
    const int n1 = t + 1 == parts ? n : static_cast<int>(static_cast<long>(n / 16) * (t + 1) / parts) * 16;
    if (n1 <= n0) return;
    if (bias)
      for (int i = 0; i < m; ++i) std::memcpy(y + static_cast<size_t>(i) * n + n0, bias + n0, (n1 - n0) * sizeof(float));
    if (gemv) {
      for (int i = 0; i < m; ++i)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, n1 - n0, k, 1.0f, w + static_cast<size_t>(n0) * k, k,
                    x + static_cast<size_t>(i) * k, 1, beta, y + static_cast<size_t>(i) * n + n0, 1);
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n1 - n0, k, 1.0f, x, k, w + static_cast<size_t>(n0) * k, k,
                beta, y + n0, n);
  };
  if (parts == 1)
    columns(0, 0);
  else
    parallel_items(parts, columns);
}

void CpuBackend::add(float* y, const float* x, size_t n) {
  parallel(static_cast<long>(n), static_cast<long>(n), kParallelWork, [&](long b, long e, int) {
    for (long i = b; i < e; ++i) y[i] += x[i];
  });
}

void CpuBackend::layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) {
  parallel(m, static_cast<long>(m) * dim, kParallelWork, [&](long r0, long r1, int) {
  for (long r = r0; r < r1; ++r) {
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
  });
}

void CpuBackend::rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) {
  parallel(m, static_cast<long>(m) * dim, kParallelWork, [&](long r0, long r1, int) {
  for (long r = r0; r < r1; ++r) {
    const float* xr = x + static_cast<size_t>(r) * dim;
    float* yr = y + static_cast<size_t>(r) * dim;
    double ss = 0;
    for (int i = 0; i < dim; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const float rs = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
    for (int i = 0; i < dim; ++i) yr[i] = w[i] * (xr[i] * rs);
  }
  });
}

void CpuBackend::rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads,
                      int head_dim, float attention_scale) {
  const int half = static_cast<int>(inv_freq.size());
  const int m = static_cast<int>(positions.size());
  std::vector<std::vector<float>> scratch(threads_, std::vector<float>(2 * static_cast<size_t>(half)));
  parallel(m, static_cast<long>(m) * n_heads * head_dim, kParallelWork, [&](long r0, long r1, int thread) {
    float* cs = scratch[thread].data();
    float* sn = cs + half;
    for (long r = r0; r < r1; ++r) {
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
  });
}

void CpuBackend::gelu_tanh(float* x, size_t n) {
  const float k = 0.7978845608028654f;  // sqrt(2/pi)
  parallel(static_cast<long>(n), static_cast<long>(n), kParallelWork, [&](long b, long e, int) {
    for (long i = b; i < e; ++i) {
      const float v = x[i];
      x[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
    }
  });
}

void CpuBackend::gelu_erf(float* x, size_t n) {
  parallel(static_cast<long>(n), static_cast<long>(n), kParallelWork, [&](long b, long e, int) {
    for (long i = b; i < e; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
  });
}

void CpuBackend::silu_mul(float* out, const float* gate_up, int m, int inter) {
  parallel(m, static_cast<long>(m) * inter, kParallelWork, [&](long r0, long r1, int) {
    for (long r = r0; r < r1; ++r) {
      const float* g = gate_up + static_cast<size_t>(r) * 2 * inter;
      const float* u = g + inter;
      float* o = out + static_cast<size_t>(r) * inter;
      for (int i = 0; i < inter; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
    }
  });
}

void CpuBackend::relu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

void CpuBackend::attention(float* out, const float* q, const float* k, const float* v,
                           std::span<const AttnSegment> segments, int n_heads, int n_kv, int head_dim, float scale) {
  // One work item = (segment, head). Its visible keys and values (context spans, then its own
  // rows) are gathered into contiguous scratch unless they already are contiguous, then each block of up to kBlock query rows takes
  // one sgemm for the scores (Q_block K^T), a masked softmax per row, and one sgemm for P V. A
  // query's keys are the same list in the same order whatever the batch layout (shared prefix or
  // not, batch size), and each product runs over that whole list, so its result does not depend
  // on the batch: keys beyond its causal limit get weight exactly 0.
  constexpr int kBlock = 32;
  std::vector<int32_t> ctx_len(segments.size());
  size_t max_keys = 0;
  long work = 0;
  for (size_t s = 0; s < segments.size(); ++s) {
    long ctx = 0;
    for (const auto& sp : segments[s].context) ctx += sp.end - sp.begin;
    ctx_len[s] = static_cast<int32_t>(ctx);
    max_keys = std::max(max_keys, static_cast<size_t>(ctx + segments[s].q_len));
    work += static_cast<long>(segments[s].q_len) * (ctx + segments[s].q_len) * head_dim * n_heads;
  }
  const int group = n_heads / n_kv;
  const int q_stride = n_heads * head_dim;
  const int kv_stride = n_kv * head_dim;
  const long total = static_cast<long>(segments.size()) * n_heads;
  const bool par = work > 2 * kParallelGemm && total > 1;
  const size_t used = par ? static_cast<size_t>(threads_) : 1;
  if (attn_scratch_.size() < 3 * used) attn_scratch_.resize(3 * used);
  for (size_t t = 0; t < used; ++t) {
    const size_t need[3] = {static_cast<size_t>(kBlock) * max_keys, max_keys * head_dim, max_keys * head_dim};
    for (int i = 0; i < 3; ++i)
      if (attn_scratch_[3 * t + i].size() < need[i]) attn_scratch_[3 * t + i].resize(need[i]);
  }
  auto item = [&](long w, int thread) {
      std::vector<float>& scores = attn_scratch_[3 * thread];
      std::vector<float>& keys = attn_scratch_[3 * thread + 1];
      std::vector<float>& values = attn_scratch_[3 * thread + 2];
      const AttnSegment& seg = segments[w / n_heads];
      const int head = static_cast<int>(w % n_heads);
      const int kvh = head / group;
      const int ctx = ctx_len[w / n_heads];
      if (seg.q_len <= 0) return;
      // Keys already contiguous in the store (a KV-cached sequence, an unshared one) are used in
      // place; otherwise they are gathered. Either way the sgemm sees the same values in the same
      // order.
      int32_t expect = seg.context.empty() ? seg.kv_begin : seg.context.front().begin;
      bool contiguous = true;
      for (const auto& sp : seg.context) {
        contiguous = contiguous && sp.begin == expect;
        expect = sp.end;
      }
      contiguous = contiguous && seg.kv_begin == expect;
      const int32_t first = seg.context.empty() ? seg.kv_begin : seg.context.front().begin;
      const float* kp = contiguous ? k + static_cast<size_t>(first) * kv_stride + kvh * head_dim : keys.data();
      const float* vp = contiguous ? v + static_cast<size_t>(first) * kv_stride + kvh * head_dim : values.data();
      const int ld = contiguous ? kv_stride : head_dim;
      int n = 0;
      auto gather = [&](int32_t begin, int32_t end) {
        for (int32_t j = begin; j < end; ++j, ++n) {
          const size_t src = static_cast<size_t>(j) * kv_stride + kvh * head_dim;
          std::memcpy(keys.data() + static_cast<size_t>(n) * head_dim, k + src, head_dim * sizeof(float));
          std::memcpy(values.data() + static_cast<size_t>(n) * head_dim, v + src, head_dim * sizeof(float));
        }
      };
      if (!contiguous) {
        for (const auto& sp : seg.context) gather(sp.begin, sp.end);
        gather(seg.kv_begin, seg.kv_begin + seg.q_len);
      }
      for (int r0 = 0; r0 < seg.q_len; r0 += kBlock) {
        const int b = std::min(kBlock, seg.q_len - r0);
        const int nk = ctx + r0 + b;  // causal: the block needs keys up to its last row
        const float* qb = q + static_cast<size_t>(seg.q_begin + r0) * q_stride + head * head_dim;
        float* S = scores.data();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, nk, head_dim, scale, qb, q_stride, kp, ld, 0.0f, S,
                    nk);
        for (int i = 0; i < b; ++i) {
          float* row = S + static_cast<size_t>(i) * nk;
          const int valid = ctx + r0 + i + 1;
          float mx = -INFINITY;
          for (int j = 0; j < valid; ++j) mx = std::max(mx, row[j]);
          float sum = 0.0f;
          for (int j = 0; j < valid; ++j) {
            row[j] = std::exp(row[j] - mx);
            sum += row[j];
          }
          const float inv = 1.0f / sum;
          for (int j = 0; j < valid; ++j) row[j] *= inv;
          for (int j = valid; j < nk; ++j) row[j] = 0.0f;
        }
        float* ob = out + static_cast<size_t>(seg.q_begin + r0) * q_stride + head * head_dim;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, head_dim, nk, 1.0f, S, nk, vp, ld, 0.0f, ob,
                    q_stride);
      }
  };
  if (par)
    parallel_items(total, item);
  else
    for (long w = 0; w < total; ++w) item(w, 0);
}

void CpuBackend::logprob_gather(const float* logits, std::span<const int32_t> rows,
                                std::span<const int32_t> targets, int vocab, double* logprob, uint8_t* greedy) {
  const int m = static_cast<int>(targets.size());
  parallel(m, static_cast<long>(m) * vocab, kParallelWork, [&](long r0, long r1, int) {
  for (long r = r0; r < r1; ++r) {
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
  });
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
