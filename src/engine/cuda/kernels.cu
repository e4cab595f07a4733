// The elementwise, normalisation, RoPE and log-softmax kernels of the CUDA backend. Operands are
// stored fp32, bf16 or fp16 (element.cuh) and everything computes in fp32 (log-softmax sums in
// fp64) to stay close to the CPU reference. These ops are memory-bound next to the GEMMs: rows
// and flat arrays move 8 elements per access where sizes and alignment allow.
#include <algorithm>
#include <cfloat>
#include <type_traits>

#include "engine/cuda/element.cuh"
#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(size_t n, int threads = kThreads) {
  const size_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 65535u * 32u ? b : 65535u * 32u);
}

// Threads for one block per row of `units` vector units: a power of two in [32, 1024].
int row_threads(int units) {
  int t = 32;
  while (t < units && t < 1024) t *= 2;
  return t;
}

// Grid-stride loop over n elements in groups of C (n % C == 0).
#define FOR_GROUPS(i, n, C)                                                                        \
  for (size_t i = (blockIdx.x * size_t(blockDim.x) + threadIdx.x) * (C); i < (n);                 \
       i += size_t(gridDim.x) * blockDim.x * (C))

template <int C, class TD, class TS>
__global__ void convert_kernel(TD* dst, const TS* src, size_t n) {
  FOR_GROUPS(i, n, C) {
    float v[C];
    load_n<C>(src + i, v);
    store_n<C>(dst + i, v);
  }
}

// dst[dst_rows[r], :] = src[src_rows[r], :], a null index meaning row r itself (a gather has
// only src_rows, a scatter only dst_rows).
template <int C, class TD, class TS>
__global__ void copy_rows_kernel(TD* dst, const int32_t* dst_rows, const TS* src, const int32_t* src_rows, int dim) {
  const size_t r = blockIdx.x;
  TD* d = dst + static_cast<size_t>(dst_rows ? dst_rows[r] : r) * dim;
  const TS* x = src + static_cast<size_t>(src_rows ? src_rows[r] : r) * dim;
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C];
    load_n<C>(x + i, v);
    store_n<C>(d + i, v);
  }
}

template <class TY>
__global__ void broadcast_kernel(TY* y, const float* bias, int n) {
  TY* r = y + static_cast<size_t>(blockIdx.x) * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x) r[i] = from_f<TY>(bias[i]);
}

template <int C, class TY, class TX>
__global__ void add_kernel(TY* y, const TX* x, size_t n) {
  FOR_GROUPS(i, n, C) {
    float a[C], b[C];
    load_n<C>(y + i, a);
    load_n<C>(x + i, b);
#pragma unroll
    for (int c = 0; c < C; ++c) a[c] += b[c];
    store_n<C>(y + i, a);
  }
}

// Block-wide sum of one value per thread (blockDim.x a multiple of 32, at most 1024).
template <class T>
__device__ T block_sum(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  T t = lane < warps ? shared[lane] : T(0);
  for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
  return t;
}

// One block per row. Each thread reads x[i] before it writes y[i] (same i): y may alias x.
template <int C, class TY, class TX>
__global__ void layer_norm_kernel(TY* y, const TX* x, const float* w, const float* b, int dim, float eps) {
  __shared__ float red[32];
  const TX* xr = x + static_cast<size_t>(blockIdx.x) * dim;
  TY* yr = y + static_cast<size_t>(blockIdx.x) * dim;
  float s = 0.0f;
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C];
    load_n<C>(xr + i, v);
#pragma unroll
    for (int c = 0; c < C; ++c) s += v[c];
  }
  const float mean = block_sum(s, red) / dim;
  float var = 0.0f;
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C];
    load_n<C>(xr + i, v);
#pragma unroll
    for (int c = 0; c < C; ++c) var += (v[c] - mean) * (v[c] - mean);
  }
  const float rstd = rsqrtf(block_sum(var, red) / dim + eps);
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C], g[C], o[C];
    load_n<C>(xr + i, v);
    load_n<C>(w + i, g);
#pragma unroll
    for (int c = 0; c < C; ++c) o[c] = (v[c] - mean) * rstd * g[c] + (b ? b[i + c] : 0.0f);
    store_n<C>(yr + i, o);
  }
}

template <int C, class TY, class TX>
__global__ void rms_norm_kernel(TY* y, const TX* x, const float* w, int dim, float eps) {
  __shared__ float red[32];
  const TX* xr = x + static_cast<size_t>(blockIdx.x) * dim;
  TY* yr = y + static_cast<size_t>(blockIdx.x) * dim;
  float s = 0.0f;
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C];
    load_n<C>(xr + i, v);
#pragma unroll
    for (int c = 0; c < C; ++c) s += v[c] * v[c];
  }
  const float rs = rsqrtf(block_sum(s, red) / dim + eps);
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C], g[C];
    load_n<C>(xr + i, v);
    load_n<C>(w + i, g);
#pragma unroll
    for (int c = 0; c < C; ++c) v[c] = g[c] * (v[c] * rs);
    store_n<C>(yr + i, v);
  }
}

// x (fp32) += r; y = w * x / rms(x). Each thread reads r[i] before it writes y[i]: y may alias r.
template <int C, class TR, class TY>
__global__ void add_rms_norm_kernel(float* x, const TR* r, TY* y, const float* w, int dim, float eps) {
  __shared__ float red[32];
  const size_t base = static_cast<size_t>(blockIdx.x) * dim;
  float s = 0.0f;
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C], d[C];
    load_n<C>(x + base + i, v);
    load_n<C>(r + base + i, d);
#pragma unroll
    for (int c = 0; c < C; ++c) {
      v[c] += d[c];
      s += v[c] * v[c];
    }
    store_n<C>(x + base + i, v);
  }
  const float rs = rsqrtf(block_sum(s, red) / dim + eps);
  for (int i = threadIdx.x * C; i < dim; i += blockDim.x * C) {
    float v[C], g[C];
    load_n<C>(x + base + i, v);
    load_n<C>(w + i, g);
#pragma unroll
    for (int c = 0; c < C; ++c) v[c] = g[c] * (v[c] * rs);
    store_n<C>(y + base + i, v);
  }
}

// One thread per (row, head, j < half): rotates the pair (j, j + half) of that head.
template <class T>
__global__ void rope_kernel(T* x, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads,
                            int head_dim, float scale) {
  const size_t total = static_cast<size_t>(m) * n_heads * half;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    const int j = static_cast<int>(i % half);
    const size_t rh = i / half;
    const int h = static_cast<int>(rh % n_heads);
    const size_t r = rh / n_heads;
    const float a = static_cast<float>(positions[r]) * inv_freq[j];
    float sn, cs;
    sincosf(a, &sn, &cs);
    cs *= scale;
    sn *= scale;
    T* v = x + (r * n_heads + h) * head_dim;
    const float x0 = to_f(v[j]), x1 = to_f(v[j + half]);
    v[j] = from_f<T>(x0 * cs - x1 * sn);
    v[j + half] = from_f<T>(x1 * cs + x0 * sn);
  }
}

template <int C, class T>
__global__ void activation_kernel(T* x, size_t n, int kind) {
  FOR_GROUPS(i, n, C) {
    float v[C];
    load_n<C>(x + i, v);
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const float a = v[c];
      if (kind == 0)
        v[c] = 0.5f * a * (1.0f + tanhf(0.7978845608028654f * (a + 0.044715f * a * a * a)));
      else if (kind == 1)
        v[c] = 0.5f * a * (1.0f + erff(a * 0.70710678118654752f));
      else
        v[c] = fmaxf(a, 0.0f);
    }
    store_n<C>(x + i, v);
  }
}

// grid (column blocks, rows): no 64-bit division per element.
template <int C, class TO, class TG>
__global__ void silu_mul_kernel(TO* out, const TG* gate_up, int inter) {
  const size_t r = blockIdx.y;
  const TG* g = gate_up + r * 2 * inter;
  TO* o = out + r * inter;
  for (int c = (blockIdx.x * blockDim.x + threadIdx.x) * C; c < inter; c += gridDim.x * blockDim.x * C) {
    float a[C], b[C];
    load_n<C>(g + c, a);
    load_n<C>(g + inter + c, b);
#pragma unroll
    for (int k = 0; k < C; ++k) a[k] = a[k] / (1.0f + expf(-a[k])) * b[k];
    store_n<C>(o + c, a);
  }
}

// Max and the first index holding it, over the block.
__device__ void block_argmax(float& v, int& idx, float* sv, int* si) {
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, v, o);
    const int oi = __shfl_xor_sync(0xffffffffu, idx, o);
    if (ov > v || (ov == v && oi < idx)) {
      v = ov;
      idx = oi;
    }
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) {
    sv[warp] = v;
    si[warp] = idx;
  }
  __syncthreads();
  const int warps = blockDim.x / 32;
  v = lane < warps ? sv[lane] : -INFINITY;
  idx = lane < warps ? si[lane] : 0x7fffffff;
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, v, o);
    const int oi = __shfl_xor_sync(0xffffffffu, idx, o);
    if (ov > v || (ov == v && oi < idx)) {
      v = ov;
      idx = oi;
    }
  }
}

// Strict comparisons, lowest index on ties: the first maximum, like torch.argmax and the CPU.
__global__ void logprob_kernel(const float* logits, const int32_t* rows, const int32_t* targets, int vocab, int ld,
                               double* logprob, uint8_t* greedy) {
  __shared__ float sv[32];
  __shared__ int si[32];
  __shared__ double sd[32];
  const float* row = logits + static_cast<size_t>(rows[blockIdx.x]) * ld;
  float best = -INFINITY;
  int bi = 0x7fffffff;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    if (row[i] > best) {
      best = row[i];
      bi = i;
    }
  block_argmax(best, bi, sv, si);
  if (bi == 0x7fffffff) bi = 0;
  const float mx = row[bi];
  double s = 0.0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) s += exp(static_cast<double>(row[i]) - mx);
  s = block_sum(s, sd);
  if (threadIdx.x == 0) {
    const int t = targets[blockIdx.x];
    logprob[blockIdx.x] = static_cast<double>(row[t]) - mx - log(s);
    greedy[blockIdx.x] = bi == t;
  }
}

__global__ void argmax_kernel(const float* logits, int vocab, int ld, int32_t* out) {
  __shared__ float sv[32];
  __shared__ int si[32];
  const float* row = logits + static_cast<size_t>(blockIdx.x) * ld;
  float best = -INFINITY;
  int bi = 0x7fffffff;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    if (row[i] > best) {
      best = row[i];
      bi = i;
    }
  block_argmax(best, bi, sv, si);
  if (threadIdx.x == 0) out[blockIdx.x] = bi == 0x7fffffff ? 0 : bi;
}

template <class T>
T* typed(void* p, T) {
  return static_cast<T*>(p);
}
template <class T>
const T* typed(const void* p, T) {
  return static_cast<const T*>(p);
}

// f(std::integral_constant<int, 8>) where 8-element vector access is possible, else with 1: the
// elements a kernel's threads move per access (its template parameter C).
template <class F>
void with_width(bool vec, F&& f) {
  if (vec)
    f(std::integral_constant<int, 8>{});
  else
    f(std::integral_constant<int, 1>{});
}

void copy_rows(void* dst, int dst_type, const int32_t* dst_rows, const void* src, int src_type,
               const int32_t* src_rows, int m, int dim, cudaStream_t s) {
  if (!m) return;
  const bool vec = aligned8(dim, {dst, src});
  const int threads = std::min(256, row_threads(vec ? dim / 8 : dim));
  dispatch(dst_type, [&](auto td) {
    dispatch(src_type, [&](auto ts) {
      with_width(vec, [&](auto c) {
        copy_rows_kernel<decltype(c)::value>
            <<<m, threads, 0, s>>>(typed(dst, td), dst_rows, typed(src, ts), src_rows, dim);
      });
    });
  });
}

}  // namespace

void convert(void* dst, int dst_type, const void* src, int src_type, size_t n, cudaStream_t s) {
  if (!n) return;
  const bool vec = aligned8(n, {dst, src});
  dispatch(dst_type, [&](auto td) {
    dispatch(src_type, [&](auto ts) {
      with_width(vec, [&](auto c) {
        constexpr int C = decltype(c)::value;
        convert_kernel<C><<<blocks_for(n / C), kThreads, 0, s>>>(typed(dst, td), typed(src, ts), n);
      });
    });
  });
}

void gather_rows(void* out, int out_type, const void* table, int table_type, const int32_t* ids, int m, int dim,
                 cudaStream_t s) {
  copy_rows(out, out_type, nullptr, table, table_type, ids, m, dim, s);
}

void scatter_rows(void* dst, int dst_type, const void* x, int x_type, const int32_t* rows, int m, int dim,
                  cudaStream_t s) {
  copy_rows(dst, dst_type, rows, x, x_type, nullptr, m, dim, s);
}

void broadcast_rows(void* y, int y_type, const float* bias, int m, int n, cudaStream_t s) {
  if (!m) return;
  dispatch(y_type, [&](auto ty) { broadcast_kernel<<<m, 256, 0, s>>>(typed(y, ty), bias, n); });
}

void add(void* y, int y_type, const void* x, int x_type, size_t n, cudaStream_t s) {
  if (!n) return;
  const bool vec = aligned8(n, {y, x});
  dispatch(y_type, [&](auto ty) {
    dispatch(x_type, [&](auto tx) {
      with_width(vec, [&](auto c) {
        constexpr int C = decltype(c)::value;
        add_kernel<C><<<blocks_for(n / C), kThreads, 0, s>>>(typed(y, ty), typed(x, tx), n);
      });
    });
  });
}

void layer_norm(void* y, int y_type, const void* x, int x_type, const float* w, const float* b, int m, int dim,
                float eps, cudaStream_t s) {
  if (!m) return;
  const bool vec = aligned8(dim, {y, x, w});
  const int threads = row_threads(vec ? dim / 8 : dim);
  dispatch(y_type, [&](auto ty) {
    dispatch(x_type, [&](auto tx) {
      with_width(vec, [&](auto c) {
        layer_norm_kernel<decltype(c)::value><<<m, threads, 0, s>>>(typed(y, ty), typed(x, tx), w, b, dim, eps);
      });
    });
  });
}

void rms_norm(void* y, int y_type, const void* x, int x_type, const float* w, int m, int dim, float eps,
              cudaStream_t s) {
  if (!m) return;
  const bool vec = aligned8(dim, {y, x, w});
  const int threads = row_threads(vec ? dim / 8 : dim);
  dispatch(y_type, [&](auto ty) {
    dispatch(x_type, [&](auto tx) {
      with_width(vec, [&](auto c) {
        rms_norm_kernel<decltype(c)::value><<<m, threads, 0, s>>>(typed(y, ty), typed(x, tx), w, dim, eps);
      });
    });
  });
}

void add_rms_norm(float* x, const void* r, int r_type, void* y, int y_type, const float* w, int m, int dim, float eps,
                  cudaStream_t s) {
  if (!m) return;
  const bool vec = aligned8(dim, {x, r, y, w});
  const int threads = row_threads(vec ? dim / 8 : dim);
  dispatch(r_type, [&](auto tr) {
    dispatch(y_type, [&](auto ty) {
      with_width(vec, [&](auto c) {
        add_rms_norm_kernel<decltype(c)::value><<<m, threads, 0, s>>>(x, typed(r, tr), typed(y, ty), w, dim, eps);
      });
    });
  });
}

void rope(void* x, int x_type, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads,
          int head_dim, float attention_scale, cudaStream_t s) {
  const size_t total = static_cast<size_t>(m) * n_heads * half;
  if (!total) return;
  dispatch(x_type, [&](auto tx) {
    rope_kernel<<<blocks_for(total), kThreads, 0, s>>>(typed(x, tx), positions, inv_freq, m, half, n_heads, head_dim,
                                                       attention_scale);
  });
}

void activation(void* x, int x_type, size_t n, int kind, cudaStream_t s) {
  if (!n) return;
  const bool vec = aligned8(n, {x});
  dispatch(x_type, [&](auto tx) {
    with_width(vec, [&](auto c) {
      constexpr int C = decltype(c)::value;
      activation_kernel<C><<<blocks_for(n / C), kThreads, 0, s>>>(typed(x, tx), n, kind);
    });
  });
}

void silu_mul(void* out, int out_type, const void* gate_up, int gate_up_type, int m, int inter, cudaStream_t s) {
  if (!m || !inter) return;
  const bool vec = aligned8(inter, {out, gate_up});
  const int per_block = kThreads * (vec ? 8 : 1);
  dispatch(out_type, [&](auto to) {
    dispatch(gate_up_type, [&](auto tg) {
      auto* o = typed(out, to);
      const auto* g = typed(gate_up, tg);
      for (int r0 = 0; r0 < m; r0 += 65535) {  // grid.y is at most 65535
        const int rows = m - r0 < 65535 ? m - r0 : 65535;
        const dim3 grid((inter + per_block - 1) / per_block, rows);
        with_width(vec, [&](auto c) {
          silu_mul_kernel<decltype(c)::value>
              <<<grid, kThreads, 0, s>>>(o + static_cast<size_t>(r0) * inter, g + static_cast<size_t>(r0) * 2 * inter,
                                         inter);
        });
      }
    });
  });
}

void logprob_gather(const float* logits, const int32_t* rows, const int32_t* targets, int n, int vocab, int ld,
                    double* logprob, uint8_t* greedy, cudaStream_t s) {
  if (n) logprob_kernel<<<n, 512, 0, s>>>(logits, rows, targets, vocab, ld, logprob, greedy);
}
void argmax_rows(const float* logits, int m, int vocab, int ld, int32_t* out, cudaStream_t s) {
  if (m) argmax_kernel<<<m, 512, 0, s>>>(logits, vocab, ld, out);
}

}  // namespace lighteval::engine::cuda
