// engine/cuda/kernels: launchers of the CUDA kernels (kernels.cu, attention.cu,
// flash_attention.cu), called by the backend (cuda_backend.cpp) with device pointers, all queued on
// `stream`. Operands carry an element type code: 0 = fp32, 1 = bf16, 2 = fp16 (engine::DType's
// order); computation is fp32 whatever the storage. Internal to engine/cuda.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace lighteval::engine::cuda {

void convert(void* dst, int dst_type, const void* src, int src_type, size_t n, cudaStream_t s);
// out[i, :] = table[ids[i], :] (embeddings and row gathers)
void gather_rows(void* out, int out_type, const void* table, int table_type, const int32_t* ids, int m, int dim,
                 cudaStream_t s);
// dst[rows[i], :] = x[i, :]
void scatter_rows(void* dst, int dst_type, const void* x, int x_type, const int32_t* rows, int m, int dim,
                  cudaStream_t s);
void broadcast_rows(void* y, int y_type, const float* bias, int m, int n, cudaStream_t s);
void add(void* y, int y_type, const void* x, int x_type, size_t n, cudaStream_t s);  // y += x
// Norm weights and biases are fp32; y may alias x.
void layer_norm(void* y, int y_type, const void* x, int x_type, const float* w, const float* b, int m, int dim,
                float eps, cudaStream_t s);
void rms_norm(void* y, int y_type, const void* x, int x_type, const float* w, int m, int dim, float eps,
              cudaStream_t s);
// x (fp32) += r; y = w * x / rms(x) per row (y may alias r).
void add_rms_norm(float* x, const void* r, int r_type, void* y, int y_type, const float* w, int m, int dim, float eps,
                  cudaStream_t s);
void rope(void* x, int x_type, const int32_t* positions, const float* inv_freq, int m, int half, int n_heads,
          int head_dim, float attention_scale, cudaStream_t s);
// kind: 0 = gelu_tanh, 1 = gelu_erf, 2 = relu
void activation(void* x, int x_type, size_t n, int kind, cudaStream_t s);
void silu_mul(void* out, int out_type, const void* gate_up, int gate_up_type, int m, int inter, cudaStream_t s);
// Per entry i: row = logits[rows[i] * ld ...] (fp32), its first `vocab` columns (ld >= vocab: a
// padded LM head's logits); logprob[i], greedy[i] (first maximum wins).
void logprob_gather(const float* logits, const int32_t* rows, const int32_t* targets, int n, int vocab, int ld,
                    double* logprob, uint8_t* greedy, cudaStream_t s);
void argmax_rows(const float* logits, int m, int vocab, int ld, int32_t* out, cudaStream_t s);

// Attention metadata, built on the host by the backend (layout in attention.cu):
// tiles [n_tiles] of {segment, first row within the segment}; segs [n_segs] of {q_begin, q_len,
// kv_begin, span_offset, n_spans}; spans of {begin, end} (context spans only).
// q, k, v and out share one element type; softmax in fp32 (exact for fp32 storage).
void attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* tiles, int n_tiles,
               const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
               cudaStream_t s);
// The same on tensor cores (FlashAttention-2 style) for bf16/fp16 storage; P rounded to the storage
// type for the P V product, statistics in fp32. head_dim 64 or 128.
bool flash_attention_supported(int head_dim, int type);
void flash_attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* tiles,
                     int n_tiles, const int32_t* segs, const int32_t* spans, int n_heads, int n_kv, int head_dim,
                     float scale, cudaStream_t s);
// Decode steps (every segment one row, n_segs of them): one block per (row, head); any storage
// type, fp32 softmax. head_dim 32, 64, 128 or 256.
bool decode_attention_supported(int head_dim);
void decode_attention(void* out, const void* q, const void* k, const void* v, int type, const int32_t* segs,
                      int n_segs, const int32_t* spans, int n_heads, int n_kv, int head_dim, float scale,
                      cudaStream_t s);
constexpr int kAttnTileRows = 64;  // query rows per tile (one block per tile and head)

}  // namespace lighteval::engine::cuda
