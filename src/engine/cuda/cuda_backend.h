// engine/cuda: the CUDA implementation of the op interface (engine/backend.h). Weights are stored
// fp32, bf16 or fp16 (set_weight_dtype) and activation buffers in the same dtype (the residual
// stream and logits are fp32 buffers); every op accepts either kind per operand and computes in
// fp32. GEMMs go through cuBLAS (bf16/fp16 tensor cores; strict fp32 for fp32 weights, no TF32, so
// fp32 runs match the CPU closely). Attention: a FlashAttention-2-style tensor-core kernel for
// bf16/fp16 prefill over the packed / prefix-tree segments of AttnSegment, a decode kernel for
// one-row segments (paged KV context spans), an exact fp32 kernel otherwise. Log-softmax + gather +
// greedy check run on the device; only one (logprob, greedy) pair per scored token comes back.
// All work is queued on one stream; downloads synchronise; decode steps replay CUDA graphs
// (graphs.h). Limits: one device per backend, head_dim <= 256.
#pragma once

#include <memory>

#include "engine/backend.h"

namespace lighteval::engine {

// The backend on device `index`; throws lighteval::Error with one clear line when no CUDA device
// is visible or the index is out of range.
std::unique_ptr<Backend> make_cuda_backend(int index);

}  // namespace lighteval::engine

// This folder is built as a plugin, liblighteval_cuda.so, that make_backend("cuda") loads on
// demand: a CPU run never maps CUDA or cuBLAS (about 200 MiB of resident memory), and a binary
// built with CUDA still starts on a machine without it. The plugin exports one C symbol, which
// returns a new backend (owned by the caller) or throws lighteval::Error like make_cuda_backend.
extern "C" lighteval::engine::Backend* lighteval_cuda_backend_create(int index);
