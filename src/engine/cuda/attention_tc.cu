// Tensor-core attention for bf16/fp16 runs (the fp32 kernel in attention.cu stays the exact path
// for fp32 weights). Same layout and semantics as attention.cu: one block per (tile of 64 query
// rows of one segment, query head), keys streamed in chunks of 64 (context spans, then the
// segment's own keys, causally). Q, K, V and the softmax weights P are rounded to bf16 for the
// WMMA products S = Q K^T and O += P V, accumulated in fp32; softmax statistics are fp32. Each of
// the 4 warps owns 16 query rows, so only the K/V chunk loads need the whole block. The output
// accumulator lives in shared memory (the WMMA fragment layout is opaque, and the online softmax
// rescales it row by row). head_dim 32, 64 or 128; q/k/v rows 16-byte aligned (head_dim % 4 == 0).
#include <cuda_bf16.h>
#include <mma.h>

#include <cfloat>

#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

using namespace nvcuda;
using bf16 = __nv_bfloat16;

constexpr int kRows = kAttnTileRows;  // 64 query rows per block
constexpr int kWarps = 4;             // 16 rows each
constexpr int kThreads = kWarps * 32;
constexpr int kKeys = 64;             // keys per chunk

// Row strides padded so that consecutive rows start in different shared-memory banks (unpadded,
// the 128/256-byte rows put every row of a WMMA load in the same banks).
__host__ __device__ constexpr int pad16(int n) { return n + 8; }  // bf16 rows: +16 bytes
__host__ __device__ constexpr int pad32(int n) { return n + 4; }  // fp32 rows: +16 bytes

size_t smem_bytes(int hd) {
  return sizeof(bf16) * (kRows * pad16(hd) + 2 * kKeys * pad16(hd) + kRows * pad16(kKeys)) +
         sizeof(float) * (kRows * pad32(kKeys) + kRows * pad32(hd)) + sizeof(float) * 3 * kRows;
}

template <int HD>
__global__ void __launch_bounds__(kThreads) attention_tc_kernel(float* out, const float* q, const float* k,
                                                                const float* v, const int32_t* tiles,
                                                                const int32_t* segs, const int32_t* spans,
                                                                int n_heads, int n_kv, float scale) {
  constexpr int LQ = pad16(HD), LP = pad16(kKeys), LS = pad32(kKeys), LO = pad32(HD);
  extern __shared__ __align__(128) unsigned char smem_raw[];
  bf16* qs = reinterpret_cast<bf16*>(smem_raw);
  bf16* ks = qs + kRows * LQ;
  bf16* vs = ks + kKeys * LQ;
  bf16* ps = vs + kKeys * LQ;
  float* ss = reinterpret_cast<float*>(ps + kRows * LP);
  float* os = ss + kRows * LS;
  float* row_m = os + kRows * LO;
  float* row_l = row_m + kRows;
  float* row_c = row_l + kRows;

  const int h = blockIdx.y;
  const int kvh = h / (n_heads / n_kv);
  const int seg = tiles[2 * blockIdx.x], q0 = tiles[2 * blockIdx.x + 1];
  const int32_t* sg = segs + 5 * seg;
  const int q_begin = sg[0], q_len = sg[1], kv_begin = sg[2], span_off = sg[3], n_spans = sg[4];
  const size_t q_stride = static_cast<size_t>(n_heads) * HD, kv_stride = static_cast<size_t>(n_kv) * HD;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

  for (int t = threadIdx.x; t < kRows * HD; t += kThreads) {
    const int r = t / HD, d = t % HD;
    const float x = q0 + r < q_len ? q[(q_begin + q0 + r) * q_stride + h * HD + d] * scale : 0.0f;
    qs[r * LQ + d] = __float2bfloat16(x);
    os[r * LO + d] = 0.0f;
  }
  if (threadIdx.x < kRows) {
    row_m[threadIdx.x] = -INFINITY;
    row_l[threadIdx.x] = 0.0f;
  }

  const int own_end = min(q_len, q0 + kRows);
  for (int sp = 0; sp <= n_spans; ++sp) {
    const bool own = sp == n_spans;
    const int b = own ? kv_begin : spans[2 * (span_off + sp)];
    const int e = own ? kv_begin + own_end : spans[2 * (span_off + sp) + 1];
    for (int c = b; c < e; c += kKeys) {
      const int n = min(kKeys, e - c);
      __syncthreads();  // the previous chunk's K/V are no longer read
      // float4 loads, a fixed trip count fully unrolled: many loads in flight per thread (a
      // latency-bound loop here was most of the kernel's time).
      constexpr int kVec = kKeys * HD / 4 / kThreads;
      float4 kb[kVec], vb[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const int t = threadIdx.x + i * kThreads;
        const int j = t / (HD / 4), d = (t % (HD / 4)) * 4;
        if (j < n) {
          const size_t src = (c + j) * kv_stride + kvh * HD + d;
          kb[i] = *reinterpret_cast<const float4*>(k + src);
          vb[i] = *reinterpret_cast<const float4*>(v + src);
        } else {
          kb[i] = vb[i] = make_float4(0.f, 0.f, 0.f, 0.f);
        }
      }
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const int t = threadIdx.x + i * kThreads;
        const int j = t / (HD / 4), d = (t % (HD / 4)) * 4;
        bf16* kd = ks + j * LQ + d;
        bf16* vd = vs + j * LQ + d;
        kd[0] = __float2bfloat16(kb[i].x); kd[1] = __float2bfloat16(kb[i].y);
        kd[2] = __float2bfloat16(kb[i].z); kd[3] = __float2bfloat16(kb[i].w);
        vd[0] = __float2bfloat16(vb[i].x); vd[1] = __float2bfloat16(vb[i].y);
        vd[2] = __float2bfloat16(vb[i].z); vd[3] = __float2bfloat16(vb[i].w);
      }
      __syncthreads();

      // S (this warp's 16 rows x 64 keys) = Q K^T.
      const int r0 = warp * 16;
#pragma unroll
      for (int nb = 0; nb < kKeys / 16; ++nb) {
        wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
        wmma::fill_fragment(acc, 0.0f);
#pragma unroll
        for (int kk = 0; kk < HD / 16; ++kk) {
          wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
          wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> fb;
          wmma::load_matrix_sync(fa, qs + r0 * LQ + kk * 16, LQ);
          wmma::load_matrix_sync(fb, ks + nb * 16 * LQ + kk * 16, LQ);
          wmma::mma_sync(acc, fa, fb, acc);
        }
        wmma::store_matrix_sync(ss + r0 * LS + nb * 16, acc, LS, wmma::mem_row_major);
      }
      __syncwarp();

      // Online softmax: two lanes per row, 32 keys each.
      {
        const int rl = r0 + lane / 2, half = lane % 2;
        const int r = q0 + rl;
        float* srow = ss + rl * LS + half * 32;
        float cmax = -INFINITY;
#pragma unroll 8
        for (int j = 0; j < 32; ++j) {
          const int key = half * 32 + j;
          const bool visible = r < q_len && key < n && (!own || c - kv_begin + key <= r);
          const float x = visible ? srow[j] : -INFINITY;
          srow[j] = x;
          cmax = fmaxf(cmax, x);
        }
        cmax = fmaxf(cmax, __shfl_xor_sync(0xffffffffu, cmax, 1));
        const float m_old = row_m[rl];
        const float m_new = fmaxf(m_old, cmax);
        float sum = 0.0f;
        bf16* prow = ps + rl * LP + half * 32;
#pragma unroll 8
        for (int j = 0; j < 32; ++j) {
          const float p = m_new == -INFINITY ? 0.0f : __expf(srow[j] - m_new);
          const bf16 pb = __float2bfloat16(p);
          prow[j] = pb;
          sum += __bfloat162float(pb);  // l sums exactly the weights the product uses
        }
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        const float corr = m_new == -INFINITY ? 1.0f : __expf(m_old - m_new);
        __syncwarp();
        if (half == 0) {
          row_l[rl] = row_l[rl] * corr + sum;
          row_m[rl] = m_new;
          row_c[rl] = corr;
        }
      }
      __syncwarp();
      for (int t = lane; t < 16 * HD; t += 32) os[(r0 + t / HD) * LO + t % HD] *= row_c[r0 + t / HD];
      __syncwarp();

      // O (16 rows x HD) += P V.
#pragma unroll
      for (int db = 0; db < HD / 16; ++db) {
        wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
        wmma::load_matrix_sync(acc, os + r0 * LO + db * 16, LO, wmma::mem_row_major);
#pragma unroll
        for (int kk = 0; kk < kKeys / 16; ++kk) {
          wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
          wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> fb;
          wmma::load_matrix_sync(fa, ps + r0 * LP + kk * 16, LP);
          wmma::load_matrix_sync(fb, vs + kk * 16 * LQ + db * 16, LQ);
          wmma::mma_sync(acc, fa, fb, acc);
        }
        wmma::store_matrix_sync(os + r0 * LO + db * 16, acc, LO, wmma::mem_row_major);
      }
    }
  }
  __syncthreads();
  for (int t = threadIdx.x; t < kRows * HD; t += kThreads) {
    const int r = t / HD, d = t % HD;
    if (q0 + r < q_len) out[(q_begin + q0 + r) * q_stride + h * HD + d] = os[r * LO + d] / row_l[r];
  }
}

template <int HD>
void launch(float* out, const float* q, const float* k, const float* v, const int32_t* tiles, int n_tiles,
            const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, float scale, cudaStream_t s) {
  const size_t smem = smem_bytes(HD);
  static bool configured = false;  // per template instance; the attribute is per kernel
  if (!configured) {
    cudaFuncSetAttribute(attention_tc_kernel<HD>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    configured = true;
  }
  attention_tc_kernel<HD><<<dim3(n_tiles, n_heads), kThreads, smem, s>>>(out, q, k, v, tiles, segs, spans, n_heads,
                                                                         n_kv, scale);
}

}  // namespace

bool attention_tc_supported(int head_dim) { return head_dim == 64 || head_dim == 128 || head_dim == 32; }

void attention_tc(float* out, const float* q, const float* k, const float* v, const int32_t* tiles, int n_tiles,
                  const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
                  cudaStream_t s) {
  if (n_tiles == 0) return;
  if (head_dim == 128)
    launch<128>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
  else if (head_dim == 64)
    launch<64>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
  else
    launch<32>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
}

}  // namespace lighteval::engine::cuda
