// engine/cuda/kernels: launchers of the CUDA kernels (kernels.cu, attention.cu), called by the
// backend (cuda_backend.cpp) with device pointers, all queued on `stream`. Internal to engine/cuda.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace lighteval::engine::cuda {

// Storage of a weight table: 0 = fp32, 1 = bf16, 2 = fp16 (engine::DType's order).
void convert_from_f32(void* dst, int dst_type, const float* src, size_t n, cudaStream_t s);
void embedding(float* out, const void* table, int table_type, const int32_t* ids, int m, int dim, cudaStream_t s);
void scatter_rows(float* dst, const float* x, const int32_t* rows, int m, int dim, cudaStream_t s);
void broadcast_rows(float* y, const float* bias, int m, int n, cudaStream_t s);
void add(float* y, const float* x, size_t n, cudaStream_t s);
void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps, cudaStream_t s);
// y_low (when not null) receives y rounded to low_type (1 = bf16, 2 = fp16) as well: the input of
// the GEMM that follows, without a separate conversion pass.
void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps, void* y_low, int low_type,
              cudaStream_t s);
// x += r; y = w * x / rms(x) per row (y may alias r); y_low as in rms_norm.
void add_rms_norm(float* x, const float* r, float* y, const float* w, int m, int dim, float eps, void* y_low,
                  int low_type, cudaStream_t s);
void rope(float* x, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads, int head_dim,
          float attention_scale, cudaStream_t s);
// kind: 0 = gelu_tanh, 1 = gelu_erf, 2 = relu
void activation(float* x, size_t n, int kind, cudaStream_t s);
void silu_mul(float* out, const float* gate_up, int m, int inter, void* out_low, int low_type, cudaStream_t s);
// Per entry i: row = logits[rows[i] * ld ...], its first `vocab` columns (ld >= vocab: a padded LM
// head's logits); logprob[i], greedy[i] (first maximum wins).
void logprob_gather(const float* logits, const int32_t* rows, const int32_t* targets, int n, int vocab, int ld,
                    double* logprob, uint8_t* greedy, cudaStream_t s);
void argmax_rows(const float* logits, int m, int vocab, int ld, int32_t* out, cudaStream_t s);

// Attention metadata, built on the host by the backend (layout in attention.cu):
// tiles [n_tiles] of {segment, first row within the segment}; segs [n_segs] of {q_begin, q_len,
// kv_begin, span_offset, n_spans}; spans of {begin, end} (context spans only).
void attention(float* out, const float* q, const float* k, const float* v, const int32_t* tiles, int n_tiles,
               const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
               cudaStream_t s);
// The same on tensor cores, Q/K/V/P rounded to bf16 (for bf16/fp16 runs); head_dim 32, 64 or 128.
bool attention_tc_supported(int head_dim);
void attention_tc(float* out, const float* q, const float* k, const float* v, const int32_t* tiles, int n_tiles,
                  const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
                  cudaStream_t s);
constexpr int kAttnTileRows = 64;  // query rows per tile (one block per tile and head)

}  // namespace lighteval::engine::cuda
