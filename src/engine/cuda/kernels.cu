// The elementwise, normalisation, RoPE and log-softmax kernels of the CUDA backend. Everything
// computes in fp32 (log-softmax sums reduced in fp64) to stay close to the CPU reference; these
// ops are memory-bound next to the GEMMs, so simplicity wins over cleverness here.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cfloat>

#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(size_t n, int threads = kThreads) {
  const size_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 65535u * 32u ? b : 65535u * 32u);
}

__device__ __forceinline__ float load_as_float(const void* p, int type, size_t i) {
  if (type == 1) return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
  if (type == 2) return __half2float(static_cast<const __half*>(p)[i]);
  return static_cast<const float*>(p)[i];
}

__global__ void convert_kernel(void* dst, int type, const float* src, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    if (type == 1)
      static_cast<__nv_bfloat16*>(dst)[i] = __float2bfloat16_rn(src[i]);
    else if (type == 2)
      static_cast<__half*>(dst)[i] = __float2half_rn(src[i]);
    else
      static_cast<float*>(dst)[i] = src[i];
  }
}

__global__ void embedding_kernel(float* out, const void* table, int type, const int32_t* ids, int dim) {
  const size_t src = static_cast<size_t>(ids[blockIdx.x]) * dim;
  float* o = out + static_cast<size_t>(blockIdx.x) * dim;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = load_as_float(table, type, src + i);
}

__global__ void scatter_kernel(float* dst, const float* x, const int32_t* rows, int dim) {
  float* d = dst + static_cast<size_t>(rows[blockIdx.x]) * dim;
  const float* s = x + static_cast<size_t>(blockIdx.x) * dim;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) d[i] = s[i];
}

__global__ void broadcast_kernel(float* y, const float* bias, int n) {
  float* r = y + static_cast<size_t>(blockIdx.x) * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x) r[i] = bias[i];
}

__global__ void add_kernel(float* y, const float* x, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    y[i] += x[i];
}

// Block-wide sum of one float per thread (blockDim.x a multiple of 32, at most 1024).
__device__ float block_sum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  float t = lane < warps ? shared[lane] : 0.0f;
  for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
  return t;
}

__global__ void layer_norm_kernel(float* y, const float* x, const float* w, const float* b, int dim, float eps) {
  __shared__ float red[32];
  const float* xr = x + static_cast<size_t>(blockIdx.x) * dim;
  float* yr = y + static_cast<size_t>(blockIdx.x) * dim;
  float s = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) s += xr[i];
  const float mean = block_sum(s, red) / dim;
  float v = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) v += (xr[i] - mean) * (xr[i] - mean);
  const float rstd = rsqrtf(block_sum(v, red) / dim + eps);
  for (int i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = (xr[i] - mean) * rstd * w[i] + (b ? b[i] : 0.0f);
}

__device__ __forceinline__ void store_low(void* p, int type, size_t i, float v) {
  if (type == 1)
    static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
  else
    static_cast<__half*>(p)[i] = __float2half_rn(v);
}

__global__ void rms_norm_kernel(float* y, const float* x, const float* w, int dim, float eps, void* y_low,
                                int low_type) {
  __shared__ float red[32];
  const size_t base = static_cast<size_t>(blockIdx.x) * dim;
  const float* xr = x + base;
  float* yr = y + base;
  float s = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) s += xr[i] * xr[i];
  const float rs = rsqrtf(block_sum(s, red) / dim + eps);
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    const float v = w[i] * (xr[i] * rs);
    yr[i] = v;
    if (y_low) store_low(y_low, low_type, base + i, v);
  }
}

// Each thread reads r[i] before it writes y[i] (same i in both loops), so y may alias r.
__global__ void add_rms_norm_kernel(float* x, const float* r, float* y, const float* w, int dim, float eps,
                                    void* y_low, int low_type) {
  __shared__ float red[32];
  const size_t base = static_cast<size_t>(blockIdx.x) * dim;
  float* xr = x + base;
  const float* rr = r + base;
  float* yr = y + base;
  float s = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    const float v = xr[i] + rr[i];
    xr[i] = v;
    s += v * v;
  }
  const float rs = rsqrtf(block_sum(s, red) / dim + eps);
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    const float v = w[i] * (xr[i] * rs);
    yr[i] = v;
    if (y_low) store_low(y_low, low_type, base + i, v);
  }
}

// One thread per (row, head, j < half): rotates the pair (j, j + half) of that head.
__global__ void rope_kernel(float* x, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads,
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
    float* v = x + (r * n_heads + h) * head_dim;
    const float x0 = v[j], x1 = v[j + half];
    v[j] = x0 * cs - x1 * sn;
    v[j + half] = x1 * cs + x0 * sn;
  }
}

__global__ void activation_kernel(float* x, size_t n, int kind) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float v = x[i];
    if (kind == 0)
      x[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    else if (kind == 1)
      x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    else
      x[i] = fmaxf(v, 0.0f);
  }
}

// grid (column blocks, rows): no 64-bit division per element.
__global__ void silu_mul_kernel(float* out, const float* gate_up, int inter, void* out_low, int low_type) {
  const size_t r = blockIdx.y;
  const float* g = gate_up + r * 2 * inter;
  float* o = out + r * inter;
  for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < inter; c += gridDim.x * blockDim.x) {
    const float v = g[c] / (1.0f + expf(-g[c])) * g[inter + c];
    o[c] = v;
    if (out_low) store_low(out_low, low_type, r * inter + c, v);
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

__device__ double block_sum_d(double v, double* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  double t = lane < warps ? shared[lane] : 0.0;
  for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
  return t;
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
  s = block_sum_d(s, sd);
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

int norm_threads(int dim) {
  int t = 32;
  while (t < dim && t < 1024) t *= 2;
  return t;
}

}  // namespace

void convert_from_f32(void* dst, int dst_type, const float* src, size_t n, cudaStream_t s) {
  if (n) convert_kernel<<<blocks_for(n), kThreads, 0, s>>>(dst, dst_type, src, n);
}
void embedding(float* out, const void* table, int table_type, const int32_t* ids, int m, int dim, cudaStream_t s) {
  if (m) embedding_kernel<<<m, norm_threads(dim) > 256 ? 256 : norm_threads(dim), 0, s>>>(out, table, table_type, ids, dim);
}
void scatter_rows(float* dst, const float* x, const int32_t* rows, int m, int dim, cudaStream_t s) {
  if (m) scatter_kernel<<<m, 256, 0, s>>>(dst, x, rows, dim);
}
void broadcast_rows(float* y, const float* bias, int m, int n, cudaStream_t s) {
  if (m) broadcast_kernel<<<m, 256, 0, s>>>(y, bias, n);
}
void add(float* y, const float* x, size_t n, cudaStream_t s) {
  if (n) add_kernel<<<blocks_for(n), kThreads, 0, s>>>(y, x, n);
}
void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps, cudaStream_t s) {
  if (m) layer_norm_kernel<<<m, norm_threads(dim), 0, s>>>(y, x, w, b, dim, eps);
}
void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps, void* y_low, int low_type,
              cudaStream_t s) {
  if (m) rms_norm_kernel<<<m, norm_threads(dim), 0, s>>>(y, x, w, dim, eps, y_low, low_type);
}
void add_rms_norm(float* x, const float* r, float* y, const float* w, int m, int dim, float eps, void* y_low,
                  int low_type, cudaStream_t s) {
  if (m) add_rms_norm_kernel<<<m, norm_threads(dim), 0, s>>>(x, r, y, w, dim, eps, y_low, low_type);
}
void rope(float* x, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads, int head_dim,
          float attention_scale, cudaStream_t s) {
  const size_t total = static_cast<size_t>(m) * n_heads * half;
  if (total) rope_kernel<<<blocks_for(total), kThreads, 0, s>>>(x, positions, inv_freq, m, half, n_heads, head_dim, attention_scale);
}
void activation(float* x, size_t n, int kind, cudaStream_t s) {
  if (n) activation_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, n, kind);
}
void silu_mul(float* out, const float* gate_up, int m, int inter, void* out_low, int low_type, cudaStream_t s) {
  if (!m || !inter) return;
  for (int r0 = 0; r0 < m; r0 += 65535) {  // grid.y is at most 65535
    const int rows = m - r0 < 65535 ? m - r0 : 65535;
    const dim3 grid((inter + kThreads - 1) / kThreads, rows);
    char* low = out_low ? static_cast<char*>(out_low) + static_cast<size_t>(r0) * inter * 2 : nullptr;
    silu_mul_kernel<<<grid, kThreads, 0, s>>>(out + static_cast<size_t>(r0) * inter,
                                              gate_up + static_cast<size_t>(r0) * 2 * inter, inter, low, low_type);
  }
}
void logprob_gather(const float* logits, const int32_t* rows, const int32_t* targets, int n, int vocab, int ld,
                    double* logprob, uint8_t* greedy, cudaStream_t s) {
  if (n) logprob_kernel<<<n, 512, 0, s>>>(logits, rows, targets, vocab, ld, logprob, greedy);
}
void argmax_rows(const float* logits, int m, int vocab, int ld, int32_t* out, cudaStream_t s) {
  if (m) argmax_kernel<<<m, 512, 0, s>>>(logits, vocab, ld, out);
}

}  // namespace lighteval::engine::cuda
