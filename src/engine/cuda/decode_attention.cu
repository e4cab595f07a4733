// Attention for decode steps: every segment is one query row (a sequence's next token) against
// its context spans (the KV cache) and its own key. One block of 4 warps per (row, head); each
// lane scores one key at a time (the whole key row, 16-byte loads) so a warp covers 32 keys per
// step with no shuffles in the dot products; the warp's online softmax (fp32, exp2 with the scale
// folded in) then accumulates V with each lane owning head_dim / 32 output dims. The 4 warps split
// the keys and merge their (max, sum, output) at the end. The prefill kernels spend a 64-row tile
// per row here; this one keeps every lane busy.
#include <cfloat>

#include "engine/cuda/element.cuh"
#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

constexpr int kWarps = 4;

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <int HD, class T>
__global__ void __launch_bounds__(kWarps * 32) decode_kernel(T* out, const T* q, const T* k, const T* v,
                                                             const int32_t* segs, const int32_t* spans, int n_heads,
                                                             int n_kv, float scale_log2) {
  constexpr int DPL = HD / 32;  // output dims per lane
  __shared__ float qs[HD];
  __shared__ float wm[kWarps], wl[kWarps];
  __shared__ float wo[kWarps][HD];
  const int h = blockIdx.y, kvh = h / (n_heads / n_kv);
  const int32_t* sg = segs + 5 * blockIdx.x;
  const int row = sg[0], kv_begin = sg[2], span_off = sg[3], n_spans = sg[4];
  const size_t q_stride = static_cast<size_t>(n_heads) * HD, kv_stride = static_cast<size_t>(n_kv) * HD;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int d = threadIdx.x; d < HD; d += blockDim.x) qs[d] = to_f(q[row * q_stride + h * HD + d]) * scale_log2;
  __syncthreads();

  float m = -INFINITY, l = 0.0f, acc[DPL];
#pragma unroll
  for (int i = 0; i < DPL; ++i) acc[i] = 0.0f;
  for (int sp = 0; sp <= n_spans; ++sp) {
    const int b = sp == n_spans ? kv_begin : spans[2 * (span_off + sp)];
    const int e = sp == n_spans ? kv_begin + 1 : spans[2 * (span_off + sp) + 1];
    for (int c = b + warp * 32; c < e; c += kWarps * 32) {
      const int key = c + lane;
      float s = -INFINITY;
      if (key < e) {
        const T* kr = k + key * kv_stride + kvh * HD;
        float dot = 0.0f;
#pragma unroll
        for (int d = 0; d < HD; d += 8) {
          float kv8[8];
          load8(kr + d, kv8);
#pragma unroll
          for (int i = 0; i < 8; ++i) dot += qs[d + i] * kv8[i];
        }
        s = dot;
      }
      const float m_new = fmaxf(m, warp_max(s));  // finite: key c < e is always valid
      const float corr = exp2f(m - m_new);
      const float p = key < e ? exp2f(s - m_new) : 0.0f;
      l = l * corr + p;
#pragma unroll
      for (int i = 0; i < DPL; ++i) acc[i] *= corr;
      const int n = min(32, e - c);
      for (int j = 0; j < n; ++j) {
        const float pj = __shfl_sync(0xffffffffu, p, j);
        const T* vr = v + (c + j) * kv_stride + kvh * HD + lane * DPL;
#pragma unroll
        for (int i = 0; i < DPL; ++i) acc[i] += pj * to_f(vr[i]);
      }
      m = m_new;
    }
  }
  l = warp_sum(l);
  if (lane == 0) {
    wm[warp] = m;
    wl[warp] = l;
  }
#pragma unroll
  for (int i = 0; i < DPL; ++i) wo[warp][lane * DPL + i] = acc[i];
  __syncthreads();
  float mx = -INFINITY;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) mx = fmaxf(mx, wm[w]);
  float total = 0.0f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) total += wm[w] == -INFINITY ? 0.0f : wl[w] * exp2f(wm[w] - mx);
  for (int d = threadIdx.x; d < HD; d += blockDim.x) {
    float o = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w)
      if (wm[w] != -INFINITY) o += wo[w][d] * exp2f(wm[w] - mx);
    out[row * q_stride + h * HD + d] = from_f<T>(o / total);
  }
}

template <int HD>
void launch(void* out, const void* q, const void* k, const void* v, int type, const int32_t* segs, int n_segs,
            const int32_t* spans, int n_heads, int n_kv, float scale, cudaStream_t s) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    decode_kernel<HD, T><<<dim3(n_segs, n_heads), kWarps * 32, 0, s>>>(
        static_cast<T*>(out), static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), segs,
        spans, n_heads, n_kv, scale * 1.4426950408889634f);
  });
}

}  // namespace

bool decode_attention_supported(int head_dim) {
  return head_dim == 32 || head_dim == 64 || head_dim == 128 || head_dim == 256;
}

void decode_attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* segs,
                      int n_segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
                      cudaStream_t s) {
  if (n_segs == 0) return;
  if (head_dim == 32)
    launch<32>(out, q, k, v, type, segs, n_segs, spans, n_heads, n_kv, scale, s);
  else if (head_dim == 64)
    launch<64>(out, q, k, v, type, segs, n_segs, spans, n_heads, n_kv, scale, s);
  else if (head_dim == 128)
    launch<128>(out, q, k, v, type, segs, n_segs, spans, n_heads, n_kv, scale, s);
  else
    launch<256>(out, q, k, v, type, segs, n_segs, spans, n_heads, n_kv, scale, s);
}

}  // namespace lighteval::engine::cuda
