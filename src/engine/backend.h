// engine/backend: the one op interface every device implements (CPU, CUDA), in the spirit of
// CTranslate2's primitives<Device>: model code is written once against `Backend`, and each device
// provides the kernels. Buffers are device memory owned through DeviceBuffer; pointers passed to
// ops live on the backend's device. All matrices are row-major. Three kinds of buffer:
// - alloc(): fp32 (the residual stream, logits, anything the host exchanges often);
// - alloc_weight(): weight matrices (the `w` of linear() and embedding tables) in the backend's
//   weight dtype (bf16/fp16 on CUDA when asked, always fp32 on the CPU);
// - alloc_activation(): activations in activation_dtype() (CUDA: the weight dtype, so bf16 runs
//   move half the bytes through every memory-bound op and feed the tensor cores directly; the
//   CPU: fp32). Offsets into such a buffer go through activation_offset().
// Every op accepts fp32 and activation buffers for each operand and accumulates in fp32 whatever
// the storage; upload()/download()/copy() take and give fp32 values for any kind of buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lighteval::engine {

enum class Device { cpu, cuda };

// Storage type of weight matrices.
enum class DType { f32, bf16, f16 };
const char* dtype_name(DType t);  // "float32", "bfloat16", "float16"

// A key/value range [begin, end) of rows in a layer's KV store.
struct KvSpan {
  int32_t begin = 0;
  int32_t end = 0;
};

// Rows [q_begin, q_begin + q_len) of a batch are one run of consecutive positions of one sequence.
// They attend to every row of `context` (earlier tokens: a shared prefix in the same batch, or a
// KV cache) and causally to their own keys, stored at KV rows [kv_begin, kv_begin + q_len).
struct AttnSegment {
  int32_t q_begin = 0;
  int32_t q_len = 0;
  int32_t kv_begin = 0;
  std::vector<KvSpan> context;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  virtual std::string name() const = 0;

  // Memory.
  virtual float* alloc(size_t n) = 0;
  virtual void free(float* p) = 0;
  virtual void upload(float* dst, const float* src, size_t n) = 0;
  virtual void download(float* dst, const float* src, size_t n) = 0;
  virtual void copy(float* dst, const float* src, size_t n) = 0;

  // Weight storage. set_weight_dtype() applies to weights allocated afterwards; a backend that
  // computes only in fp32 (the CPU) keeps fp32. upload_weight() converts from fp32 (round to
  // nearest even). Weights are freed with free().
  virtual void set_weight_dtype(DType t) {}
  virtual DType weight_dtype() const { return DType::f32; }
  virtual float* alloc_weight(size_t n) { return alloc(n); }
  virtual void upload_weight(float* dst, const float* src, size_t n) { upload(dst, src, n); }
  // n weights held on the host as src_type (a mapped checkpoint tensor: fp32, bf16 or fp16 bytes)
  // into the weight buffer dst from element `offset` on, converted on the device; no fp32 copy on
  // the host. False where the backend has no such path (the caller converts and upload_weight()s).
  virtual bool upload_weight_stored(float* dst, size_t offset, const void* src, DType src_type, size_t n) {
    return false;
  }
  // Activation storage (see the header comment). Each buffer keeps the dtype it was allocated with.
  virtual DType activation_dtype() const { return DType::f32; }
  virtual float* alloc_activation(size_t n) { return alloc(n); }
  size_t activation_size() const { return activation_dtype() == DType::f32 ? 4 : 2; }
  // Element n of an activation buffer allocated under the current activation dtype.
  float* activation_offset(float* p, size_t n) const {
    return reinterpret_cast<float*>(reinterpret_cast<char*>(p) + n * activation_size());
  }
  // Bytes of device memory free now, for sizing batches and caches; 0 when the device does not say.
  virtual size_t free_memory() const { return 0; }
  // Waits for queued device work (timing, benchmarks); a no-op where ops are synchronous.
  virtual void synchronize() {}
  // Graphs for forwards that repeat with one shape (decode steps). The ops of one forward go
  // between graph_begin(key) and graph_end(), `key` naming the shape. A device with graphs runs the
  // first forward of a key as usual, captures the second into a graph and launches it, and replays
  // it for the later ones. graph_end() false: nothing ran (the forward's arguments no longer fit the
  // graph, which is dropped); run the same ops again, outside graph mode. graph_abort() leaves
  // graph mode after an exception. Defaults: no graphs (the ops run as they come).
  virtual void graph_begin(uint64_t key) {}
  virtual bool graph_end() { return true; }
  virtual void graph_abort() {}

  // out[i, :] = table[ids[i], :]  (ids on the host).
  virtual void embedding(float* out, const float* table, std::span<const int32_t> ids, int dim) = 0;
  // out[i, :] = x[rows[i], :]  (rows on the host).
  virtual void gather_rows(float* out, const float* x, std::span<const int32_t> rows, int dim) = 0;
  // dst[rows[i], :] = x[i, :]
  virtual void scatter_rows(float* dst, const float* x, std::span<const int32_t> rows, int dim) = 0;
  // y[m, n] = x[m, k] * W[n, k]^T (+ bias[n]); W is an nn.Linear weight.
  virtual void linear(float* y, const float* x, const float* w, const float* bias, int m, int k, int n) = 0;
  virtual void add(float* y, const float* x, size_t n) = 0;  // y += x
  virtual void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) = 0;
  virtual void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) = 0;
  // x += r, then y = rms_norm(x) with weight w (y may be r): a sublayer's residual add and the norm
  // that follows it, in one pass over the rows where the device fuses them. Same result as add()
  // then rms_norm(), which is what this default does.
  virtual void add_rms_norm(float* x, const float* r, float* y, const float* w, int m, int dim, float eps) {
    add(x, r, static_cast<size_t>(m) * dim);
    rms_norm(y, x, w, m, dim, eps);
  }
  // HF rotate_half RoPE in place on x [m, n_heads, head_dim] (row stride = n_heads*head_dim), first
  // rot_dim dims of each head; angle = positions[i] * inv_freq[j] (positions, inv_freq on the host).
  virtual void rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads,
                    int head_dim, float attention_scale) = 0;
  virtual void gelu_tanh(float* x, size_t n) = 0;  // gelu_new / gelu_pytorch_tanh
  virtual void gelu_erf(float* x, size_t n) = 0;
  // out[m, i] = silu(gate_up[m, i]) * gate_up[m, inter + i]  (gate and up side by side).
  virtual void silu_mul(float* out, const float* gate_up, int m, int inter) = 0;
  virtual void relu(float* x, size_t n) = 0;
  // Causal softmax attention over segments. q [rows, n_heads*hd]; k, v [kv_rows, n_kv*hd];
  // out [rows, n_heads*hd]. Query head h uses kv head h / (n_heads / n_kv).
  virtual void attention(float* out, const float* q, const float* k, const float* v,
                         std::span<const AttnSegment> segments, int n_heads, int n_kv, int head_dim,
                         float scale) = 0;
  // For each entry i: with row = logits[rows[i], :] (logits [m, vocab]), logprob[i] =
  // log_softmax(row)[targets[i]] and greedy[i] = (argmax(row) == targets[i]), the first maximum
  // winning like torch.argmax. rows/targets and the results are on the host.
  virtual void logprob_gather(const float* logits, std::span<const int32_t> rows, std::span<const int32_t> targets,
                              int vocab, double* logprob, uint8_t* greedy) = 0;
  // Index of the first maximum of each row (host).
  virtual void argmax_rows(const float* logits, int m, int vocab, int32_t* out) = 0;

  // LM head padding. A model rounds its head's row count (the vocabulary) up to a multiple of
  // vocab_multiple(), with zero rows past the vocabulary, so the head GEMM's N is tile-aligned
  // (CUDA: 128, GPT-2's 50257 -> 50304; the CPU: 1, no padding). The logits rows are then the
  // padded width apart, which the model declares with set_logits_stride(): logprob_gather and
  // argmax_rows on that buffer read only the first `vocab` columns of each row, so the padded
  // columns never take part. The declaration is forgotten when the buffer is freed.
  virtual int vocab_multiple() const { return 1; }
  virtual void set_logits_stride(const float* logits, int stride) {}
};

// "auto" -> CUDA device 0 when the build has CUDA and a device is usable, else the CPU; "cpu" -> CpuBackend;
// "cuda"/"cuda:N" -> the CUDA plugin (one clear error when it cannot be used).
std::unique_ptr<Backend> make_backend(const std::string& device, int num_threads = 0);

// RAII device memory.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(Backend& be, size_t n) : be_(&be), n_(n), p_(n ? be.alloc(n) : nullptr) {}
  // A weight buffer of n elements in the backend's weight dtype.
  static DeviceBuffer weight(Backend& be, size_t n) {
    DeviceBuffer b;
    b.be_ = &be;
    b.n_ = n;
    b.p_ = n ? be.alloc_weight(n) : nullptr;
    return b;
  }
  // An activation buffer of n elements in the backend's activation dtype.
  static DeviceBuffer activation(Backend& be, size_t n) {
    DeviceBuffer b;
    b.ensure_activation(be, n);
    return b;
  }
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : be_(o.be_), n_(o.n_), p_(o.p_), act_(o.act_) { o.p_ = nullptr; o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      be_ = o.be_; n_ = o.n_; p_ = o.p_; act_ = o.act_;
      o.p_ = nullptr; o.n_ = 0;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  // Grows (never shrinks) to at least n fp32 elements; contents are not kept.
  void ensure(Backend& be, size_t n) { grow(be, n, false); }
  // The same for an activation buffer.
  void ensure_activation(Backend& be, size_t n) { grow(be, n, true); }
  void reset() {
    if (p_ && be_) be_->free(p_);
    p_ = nullptr; n_ = 0;
  }
  float* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  void grow(Backend& be, size_t n, bool activation) {
    if (n <= n_ && be_ == &be && act_ == activation) return;
    reset();
    be_ = &be; n_ = n; act_ = activation;
    p_ = n ? (activation ? be.alloc_activation(n) : be.alloc(n)) : nullptr;
  }

  Backend* be_ = nullptr;
  size_t n_ = 0;
  float* p_ = nullptr;
  bool act_ = false;
};

}  // namespace lighteval::engine
