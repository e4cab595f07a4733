// Attention over the segments of a packed / prefix-tree batch, and decode steps against a KV
// cache (one-row segments whose context is the cache). One block per (tile of up to 64 query rows
// of one segment, query head); each query row is handled by 4 lanes holding a quarter of the head
// dims. Keys and values stream through shared memory in chunks of 32 rows: first the segment's
// context spans, then its own keys (causal). Online softmax in fp32 with one rescale per chunk, so
// a row's result depends only on its own keys, in a fixed order, never on the rest of the batch.
#include <cfloat>

#include "engine/cuda/element.cuh"
#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

constexpr int kLanes = 4;                          // lanes per query row
constexpr int kRows = kAttnTileRows;               // query rows per block
constexpr int kThreads = kRows * kLanes;           // 256
constexpr int kChunk = 32;                         // keys per shared-memory chunk

template <int DPL, class T>  // head dims per lane: head_dim <= DPL * kLanes
__global__ void __launch_bounds__(kThreads) attention_kernel(T* out, const T* q, const T* k, const T* v,
                                                             const int32_t* tiles,
                                                             const int32_t* segs, const int32_t* spans, int n_heads,
                                                             int n_kv, int hd, float scale) {
  extern __shared__ float smem[];
  float* ks = smem;
  float* vs = smem + kChunk * hd;
  const int h = blockIdx.y;
  const int kvh = h / (n_heads / n_kv);
  const int seg = tiles[2 * blockIdx.x], q0 = tiles[2 * blockIdx.x + 1];
  const int32_t* sg = segs + 5 * seg;
  const int q_begin = sg[0], q_len = sg[1], kv_begin = sg[2], span_off = sg[3], n_spans = sg[4];
  const int rloc = threadIdx.x / kLanes, lane = threadIdx.x % kLanes;
  const int r = q0 + rloc;
  const bool active = r < q_len;
  const size_t q_stride = static_cast<size_t>(n_heads) * hd, kv_stride = static_cast<size_t>(n_kv) * hd;

  float qr[DPL], acc[DPL];
#pragma unroll
  for (int i = 0; i < DPL; ++i) {
    const int d = lane + kLanes * i;
    qr[i] = (active && d < hd) ? to_f(q[(q_begin + r) * q_stride + h * hd + d]) : 0.0f;
    acc[i] = 0.0f;
  }
  float m = -INFINITY, l = 0.0f;
  const int own_end = min(q_len, q0 + kRows);
  for (int sp = 0; sp <= n_spans; ++sp) {
    const bool own = sp == n_spans;
    const int b = own ? kv_begin : spans[2 * (span_off + sp)];
    const int e = own ? kv_begin + own_end : spans[2 * (span_off + sp) + 1];
    for (int c = b; c < e; c += kChunk) {
      const int n = min(kChunk, e - c);
      __syncthreads();
      for (int t = threadIdx.x; t < n * hd; t += kThreads) {
        const int row = t / hd, d = t % hd;
        const size_t src = (c + row) * kv_stride + kvh * hd + d;
        ks[t] = to_f(k[src]);
        vs[t] = to_f(v[src]);
      }
      __syncthreads();
      float s[kChunk];
      float cmax = -INFINITY;
#pragma unroll
      for (int j = 0; j < kChunk; ++j) {
        float dot = 0.0f;
        if (j < n) {
#pragma unroll
          for (int i = 0; i < DPL; ++i) {
            const int d = lane + kLanes * i;
            if (d < hd) dot += qr[i] * ks[j * hd + d];
          }
        }
        dot += __shfl_xor_sync(0xffffffffu, dot, 1);
        dot += __shfl_xor_sync(0xffffffffu, dot, 2);
        const bool visible = active && j < n && (!own || c - kv_begin + j <= r);
        s[j] = visible ? dot * scale : -INFINITY;
        cmax = fmaxf(cmax, s[j]);
      }
      if (cmax == -INFINITY) continue;  // nothing visible to this row in this chunk
      const float m_new = fmaxf(m, cmax);
      const float corr = expf(m - m_new);
      l *= corr;
#pragma unroll
      for (int i = 0; i < DPL; ++i) acc[i] *= corr;
#pragma unroll
      for (int j = 0; j < kChunk; ++j) {
        if (j >= n) break;
        const float p = expf(s[j] - m_new);
        l += p;
#pragma unroll
        for (int i = 0; i < DPL; ++i) {
          const int d = lane + kLanes * i;
          if (d < hd) acc[i] += p * vs[j * hd + d];
        }
      }
      m = m_new;
    }
  }
  if (!active) return;
  const float inv = 1.0f / l;
#pragma unroll
  for (int i = 0; i < DPL; ++i) {
    const int d = lane + kLanes * i;
    if (d < hd) out[(q_begin + r) * q_stride + h * hd + d] = from_f<T>(acc[i] * inv);
  }
}

template <int DPL, class T>
void launch(T* out, const T* q, const T* k, const T* v, const int32_t* tiles, int n_tiles, const int32_t* segs,
            const int32_t* spans, int n_heads, int n_kv, int hd, float scale, cudaStream_t s) {
  const size_t smem = 2 * sizeof(float) * kChunk * hd;
  if (smem > 48 * 1024)
    cudaFuncSetAttribute(attention_kernel<DPL, T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                         static_cast<int>(smem));
  const dim3 grid(n_tiles, n_heads);
  attention_kernel<DPL, T><<<grid, kThreads, smem, s>>>(out, q, k, v, tiles, segs, spans, n_heads, n_kv, hd, scale);
}

}  // namespace

void attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* tiles, int n_tiles,
               const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
               cudaStream_t s) {
  if (n_tiles == 0) return;
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T *tq = static_cast<const T*>(q), *tk = static_cast<const T*>(k), *tv = static_cast<const T*>(v);
    if (head_dim <= 8 * kLanes)
      launch<8>(o, tq, tk, tv, tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale, s);
    else if (head_dim <= 16 * kLanes)
      launch<16>(o, tq, tk, tv, tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale, s);
    else if (head_dim <= 32 * kLanes)
      launch<32>(o, tq, tk, tv, tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale, s);
    else
      launch<64>(o, tq, tk, tv, tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale, s);
  });
}

}  // namespace lighteval::engine::cuda
