// engine/cpu_backend: the fp32 CPU implementation of the op interface: OpenBLAS sgemm for linear
// layers and attention, the backend's own thread pool over rows / heads / column blocks. It is the reference the CUDA ops are tested
// against, so every op computes in fp32 with fp32 accumulation except the log-softmax (fp64 sum).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/backend.h"

namespace lighteval::engine {

class CpuBackend final : public Backend {
 public:
  // num_threads 0: OMP_NUM_THREADS if set, else the machine's cores.
  explicit CpuBackend(int num_threads = 0);
  ~CpuBackend() override;
  Device device() const override { return Device::cpu; }
  std::string name() const override { return "cpu"; }
  float* alloc(size_t n) override;
  void free(float* p) override;
  void upload(float* dst, const float* src, size_t n) override;
  void download(float* dst, const float* src, size_t n) override;
  void copy(float* dst, const float* src, size_t n) override;
  void embedding(float* out, const float* table, std::span<const int32_t> ids, int dim) override;
  void gather_rows(float* out, const float* x, std::span<const int32_t> rows, int dim) override;
  void scatter_rows(float* dst, const float* x, std::span<const int32_t> rows, int dim) override;
  void linear(float* y, const float* x, const float* w, const float* bias, int m, int k, int n) override;
  void add(float* y, const float* x, size_t n) override;
  void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) override;
  void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) override;
  void rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads,
            int head_dim, float attention_scale) override;
  void gelu_tanh(float* x, size_t n) override;
  void gelu_erf(float* x, size_t n) override;
  void silu_mul(float* out, const float* gate_up, int m, int inter) override;
  void relu(float* x, size_t n) override;
  void attention(float* out, const float* q, const float* k, const float* v, std::span<const AttnSegment> segments,
                 int n_heads, int n_kv, int head_dim, float scale) override;
  void logprob_gather(const float* logits, std::span<const int32_t> rows, std::span<const int32_t> targets,
                      int vocab, double* logprob, uint8_t* greedy) override;
  void argmax_rows(const float* logits, int m, int vocab, int32_t* out) override;

 private:
  class Pool;
  // Calls fn(begin, end, thread) over [0, n) split into one contiguous part per thread, or once
  // with (0, n, 0) when `work` is below `threshold`. thread < threads_ indexes per-thread scratch.
  void parallel(long n, long work, long threshold, const std::function<void(long, long, int)>& fn);
  // Calls fn(item, thread) for every item in [0, count), handed out one at a time.
  void parallel_items(long count, const std::function<void(long, int)>& fn);

  int threads_;
  std::unique_ptr<Pool> pool_;
  // attention()'s per-thread scores / keys / values, kept between calls (grown, never shrunk) so a
  // decode step does not allocate and clear them once per layer.
  std::vector<std::vector<float>> attn_scratch_;
  // Large buffers (weights, activations) are their own anonymous mappings, so freeing one returns
  // its memory to the OS at once and weights never sit between freed temporaries in the malloc heap
  // (which kept ~15% of a checkpoint's size resident after loading). Size of each, for munmap.
  std::mutex mapped_mutex_;
  std::unordered_map<float*, size_t> mapped_;
};

}  // namespace lighteval::engine
