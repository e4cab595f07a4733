// Tensor-core attention for bf16/fp16 storage, FlashAttention-2 style: one block per (tile of 64
// query rows of one segment, query head), 4 warps of 16 rows. Q stays in registers as mma.sync
// fragments; K/V chunks of 64 keys stream through double-buffered shared memory with cp.async
// (the next chunk loads while this one is computed); S = Q K^T and O += P V are m16n8k16 MMAs
// with fp32 accumulators held in registers; the online softmax works on the accumulator
// fragments directly (exp2 with the scale folded into log2 e), and each thread keeps its part of
// the row sums until the end. Same layout and semantics as attention.cu: the segment's context
// spans first, then its own keys, causally. P is rounded to the storage type for P V and the row
// sums add exactly the rounded weights. Rows in shared memory are padded by 16 bytes, so the 8
// rows of an ldmatrix fall in different banks.
#include <cfloat>
#include <type_traits>

#include "engine/cuda/element.cuh"
#include "engine/cuda/kernels.h"

namespace lighteval::engine::cuda {
namespace {

constexpr int kRows = kAttnTileRows;  // 64 query rows per block
constexpr int kWarps = 4;             // 16 rows each
constexpr int kThreads = kWarps * 32;
constexpr int kKeys = 64;             // keys per chunk

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared, asynchronously; zero-filled when !valid (src is then not read).
__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src),
               "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}
__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}

// d += a (16x16, row) * b (16x8, col), fp32 accumulators.
template <class T>
__device__ __forceinline__ void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same_v<T, bf16>)
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two values as one 32-bit fragment register (the lower column in the low half).
template <class T>
__device__ __forceinline__ uint32_t pack2(T lo, T hi) {
  uint32_t r;
  static_assert(sizeof(T) == 2);
  r = static_cast<uint32_t>(*reinterpret_cast<const uint16_t*>(&lo)) |
      (static_cast<uint32_t>(*reinterpret_cast<const uint16_t*>(&hi)) << 16);
  return r;
}

template <int HD, class T>
__global__ void __launch_bounds__(kThreads) flash_kernel(T* out, const T* q, const T* k, const T* v,
                                                         const int32_t* tiles, const int32_t* segs,
                                                         const int32_t* spans, int n_heads, int n_kv,
                                                         float scale_log2) {
  constexpr int LD = HD + 8;  // padded row, elements
  constexpr int kVecs = HD / 8;  // 16-byte pieces per row
  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* qs = reinterpret_cast<T*>(smem_raw);  // [kRows][LD]
  T* ks = qs + kRows * LD;                  // [2][kKeys][LD]
  T* vs = ks + 2 * kKeys * LD;              // [2][kKeys][LD]

  const int h = blockIdx.y;
  const int kvh = h / (n_heads / n_kv);
  const int seg = tiles[2 * blockIdx.x], q0 = tiles[2 * blockIdx.x + 1];
  const int32_t* sg = segs + 5 * seg;
  const int q_begin = sg[0], q_len = sg[1], kv_begin = sg[2], span_off = sg[3], n_spans = sg[4];
  const size_t q_stride = static_cast<size_t>(n_heads) * HD, kv_stride = static_cast<size_t>(n_kv) * HD;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, tq = lane % 4;  // fragment row group and column pair

  for (int t = threadIdx.x; t < kRows * kVecs; t += kThreads) {
    const int r = t / kVecs, c = (t % kVecs) * 8;
    const bool ok = q0 + r < q_len;
    cp_async16(qs + r * LD + c, ok ? q + (q_begin + q0 + r) * q_stride + h * HD + c : q, ok);
  }
  cp_async_commit();

  const int own_end = min(q_len, q0 + kRows);
  auto bounds = [&](int sp, int& b, int& e) {
    if (sp == n_spans) {
      b = kv_begin;
      e = kv_begin + own_end;
    } else {
      b = spans[2 * (span_off + sp)];
      e = spans[2 * (span_off + sp) + 1];
    }
  };
  auto load_chunk = [&](int c0, int n, int buf) {
    T* kd = ks + buf * kKeys * LD;
    T* vd = vs + buf * kKeys * LD;
    for (int t = threadIdx.x; t < kKeys * kVecs; t += kThreads) {
      const int j = t / kVecs, c = (t % kVecs) * 8;
      const bool ok = j < n;
      const size_t off = (c0 + j) * kv_stride + kvh * HD + c;
      cp_async16(kd + j * LD + c, ok ? k + off : k, ok);
      cp_async16(vd + j * LD + c, ok ? v + off : v, ok);
    }
  };

  // The first chunk (the own span is never empty, so one exists).
  int sp = 0, c = 0, e = 0;
  bounds(0, c, e);
  while (c >= e && sp < n_spans) bounds(++sp, c, e);
  load_chunk(c, min(kKeys, e - c), 0);
  cp_async_commit();
  cp_async_wait<1>();  // Q has landed
  __syncthreads();

  uint32_t qf[HD / 16][4];
  {
    const int j = lane / 8;
    const T* base = qs + (warp * 16 + (j & 1) * 8 + lane % 8) * LD + (j >> 1) * 8;
#pragma unroll
    for (int kk = 0; kk < HD / 16; ++kk) ldsm_x4(qf[kk], base + kk * 16);
  }

  float o[HD / 8][4];
#pragma unroll
  for (int i = 0; i < HD / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
  float row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.0f, 0.0f};
  const int row[2] = {q0 + warp * 16 + g, q0 + warp * 16 + g + 8};  // rows within the segment

  for (int buf = 0;; buf ^= 1) {
    const int n = min(kKeys, e - c);
    const bool own = sp == n_spans;
    const int key0 = c - kv_begin;  // own keys: position of the chunk's first key in the segment
    int nsp = sp, nc = c + kKeys, ne = e;
    while (nc >= ne && nsp < n_spans) bounds(++nsp, nc, ne);
    const bool more = nc < ne;
    if (more) load_chunk(nc, min(kKeys, ne - nc), buf ^ 1);
    cp_async_commit();
    cp_async_wait<1>();  // this chunk has landed (the next may still be in flight)
    __syncthreads();
    const T* kb = ks + buf * kKeys * LD;
    const T* vb = vs + buf * kKeys * LD;

    // S (16 rows x 64 keys per warp) = Q K^T: 8 fragments of 8 keys.
    float s[kKeys / 8][4];
#pragma unroll
    for (int i = 0; i < kKeys / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.0f;
    {
      const int j = lane / 8;
#pragma unroll
      for (int kk = 0; kk < HD / 16; ++kk) {
#pragma unroll
        for (int nt = 0; nt < kKeys / 16; ++nt) {
          uint32_t b[4];
          ldsm_x4(b, kb + (nt * 16 + (j >> 1) * 8 + lane % 8) * LD + kk * 16 + (j & 1) * 8);
          mma<T>(s[2 * nt], qf[kk], b[0], b[1]);
          mma<T>(s[2 * nt + 1], qf[kk], b[2], b[3]);
        }
      }
    }

    // Online softmax over the fragment: element i of s[nt] is row row[i / 2], key nt*8 + tq*2 + i%2.
    float cmax[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int nt = 0; nt < kKeys / 8; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int key = nt * 8 + tq * 2 + (i & 1), r = row[i >> 1];
        const bool visible = key < n && r < q_len && (!own || key0 + key <= r);
        const float x = visible ? s[nt][i] * scale_log2 : -INFINITY;
        s[nt][i] = x;
        cmax[i >> 1] = fmaxf(cmax[i >> 1], x);
      }
    float corr[2];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      cmax[i] = fmaxf(cmax[i], __shfl_xor_sync(0xffffffffu, cmax[i], 1));
      cmax[i] = fmaxf(cmax[i], __shfl_xor_sync(0xffffffffu, cmax[i], 2));
      const float m_new = fmaxf(row_max[i], cmax[i]);
      corr[i] = m_new == -INFINITY ? 1.0f : exp2f(row_max[i] - m_new);
      row_max[i] = m_new;
      row_sum[i] *= corr[i];
    }
    uint32_t pf[kKeys / 16][4];
#pragma unroll
    for (int nt = 0; nt < kKeys / 8; ++nt) {
      T p[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float m = row_max[i >> 1];
        p[i] = from_f<T>(m == -INFINITY ? 0.0f : exp2f(s[nt][i] - m));
        row_sum[i >> 1] += to_f(p[i]);
      }
      // A fragment of keys kk*16..+15: regs 0/1 from the even 8-key fragment, 2/3 from the odd.
      pf[nt / 2][(nt & 1) * 2 + 0] = pack2(p[0], p[1]);
      pf[nt / 2][(nt & 1) * 2 + 1] = pack2(p[2], p[3]);
    }
#pragma unroll
    for (int dt = 0; dt < HD / 8; ++dt) {
      o[dt][0] *= corr[0];
      o[dt][1] *= corr[0];
      o[dt][2] *= corr[1];
      o[dt][3] *= corr[1];
    }

    // O (16 rows x HD) += P V, V read transposed by ldmatrix.
    {
      const int j = lane / 8;
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
#pragma unroll
        for (int dt = 0; dt < HD / 16; ++dt) {
          uint32_t b[4];
          ldsm_x4_trans(b, vb + (kk * 16 + (j & 1) * 8 + lane % 8) * LD + dt * 16 + (j >> 1) * 8);
          mma<T>(o[2 * dt], pf[kk], b[0], b[1]);
          mma<T>(o[2 * dt + 1], pf[kk], b[2], b[3]);
        }
      }
    }
    __syncthreads();  // every warp is done with `buf` before it is refilled
    if (!more) break;
    sp = nsp;
    c = nc;
    e = ne;
  }

#pragma unroll
  for (int i = 0; i < 2; ++i) {
    row_sum[i] += __shfl_xor_sync(0xffffffffu, row_sum[i], 1);
    row_sum[i] += __shfl_xor_sync(0xffffffffu, row_sum[i], 2);
  }
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    if (row[i] >= q_len) continue;
    const float inv = 1.0f / row_sum[i];
    T* dst = out + (q_begin + row[i]) * q_stride + h * HD + tq * 2;
#pragma unroll
    for (int dt = 0; dt < HD / 8; ++dt) {
      const uint32_t pair = pack2(from_f<T>(o[dt][2 * i] * inv), from_f<T>(o[dt][2 * i + 1] * inv));
      *reinterpret_cast<uint32_t*>(dst + dt * 8) = pair;
    }
  }
}

template <int HD, class T>
void launch(void* out, const void* q, const void* k, const void* v, const int32_t* tiles, int n_tiles,
            const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, float scale, cudaStream_t s) {
  const int smem = static_cast<int>(sizeof(T) * (kRows + 4 * kKeys) * (HD + 8));
  static bool configured = false;  // per template instance; the attribute is per kernel
  if (!configured) {
    cudaFuncSetAttribute(flash_kernel<HD, T>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    configured = true;
  }
  flash_kernel<HD, T><<<dim3(n_tiles, n_heads), kThreads, smem, s>>>(
      static_cast<T*>(out), static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), tiles, segs,
      spans, n_heads, n_kv, scale * 1.4426950408889634f);
}

template <class T>
void launch_hd(int head_dim, void* out, const void* q, const void* k, const void* v, const int32_t* tiles,
               int n_tiles, const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, float scale,
               cudaStream_t s) {
  if (head_dim == 128)
    launch<128, T>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
  else if (head_dim == 64)
    launch<64, T>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
  else
    launch<32, T>(out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
}

}  // namespace

bool flash_attention_supported(int head_dim, int type) {
  return (type == 1 || type == 2) && (head_dim == 32 || head_dim == 64 || head_dim == 128);
}

void flash_attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* tiles,
                     int n_tiles, const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim,
                     float scale, cudaStream_t s) {
  if (n_tiles == 0) return;
  if (type == 1)
    launch_hd<bf16>(head_dim, out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
  else
    launch_hd<__half>(head_dim, out, q, k, v, tiles, n_tiles, segs, spans, n_heads, n_kv, scale, s);
}

}  // namespace lighteval::engine::cuda
