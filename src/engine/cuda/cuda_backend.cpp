#include "engine/cuda/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unordered_map>
#include <vector>

#include "engine/cuda/kernels.h"
#include "util/error.h"

namespace lighteval::engine {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw Error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}
void check(cublasStatus_t e, const char* what) {
  if (e != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string("cuBLAS error in ") + what + ": " + cublasGetStatusString(e));
}

size_t dtype_size(DType t) { return t == DType::f32 ? 4 : 2; }
int dtype_code(DType t) { return t == DType::bf16 ? 1 : t == DType::f16 ? 2 : 0; }

// Host arrays (token ids, positions, rows, attention layouts) uploaded once and reused while the
// same content comes back: a forward passes the same positions / rows / segments to every layer.
class IntCache {
 public:
  static constexpr int kSlots = 12;
  ~IntCache() {
    for (auto& s : slots_)
      if (s.dev) cudaFree(s.dev);
  }
  const int32_t* get(std::span<const int32_t> host, cudaStream_t stream) {
    for (auto& s : slots_)
      if (s.dev && s.host.size() == host.size() &&
          (host.empty() || std::memcmp(s.host.data(), host.data(), host.size() * 4) == 0)) {
        s.used = ++clock_;
        return s.dev;
      }
    Slot* victim = &slots_[0];
    for (auto& s : slots_)
      if (s.used < victim->used) victim = &s;
    if (victim->cap < host.size() || !victim->dev) {
      if (victim->dev) check(cudaFree(victim->dev), "cudaFree");
      victim->cap = std::max<size_t>(host.size(), 256);
      check(cudaMalloc(&victim->dev, victim->cap * 4), "cudaMalloc");
    }
    victim->host.assign(host.begin(), host.end());
    // The stream orders this copy after kernels still reading the slot's previous content.
    if (!host.empty())
      check(cudaMemcpyAsync(victim->dev, victim->host.data(), host.size() * 4, cudaMemcpyHostToDevice, stream),
            "cudaMemcpyAsync");
    victim->used = ++clock_;
    return victim->dev;
  }

 private:
  struct Slot {
    std::vector<int32_t> host;
    int32_t* dev = nullptr;
    size_t cap = 0;
    uint64_t used = 0;
  };
  Slot slots_[kSlots];
  uint64_t clock_ = 0;
};

// LIGHTEVAL_CUDA_PROFILE=1: every op synchronises and its wall time is summed per op name, printed
// to stderr when the backend goes away (slows the run; for finding where time goes).
class OpTimer {
 public:
  OpTimer(bool on, cudaStream_t s, std::map<std::string, std::pair<double, long>>* acc, const char* name)
      : on_(on), s_(s), acc_(acc), name_(name) {
    if (on_) {
      cudaStreamSynchronize(s_);
      t_ = std::chrono::steady_clock::now();
    }
  }
  ~OpTimer() {
    if (!on_) return;
    cudaStreamSynchronize(s_);
    auto& e = (*acc_)[name_];
    e.first += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_).count();
    e.second += 1;
  }

 private:
  bool on_;
  cudaStream_t s_;
  std::map<std::string, std::pair<double, long>>* acc_;
  const char* name_;
  std::chrono::steady_clock::time_point t_;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int index) : index_(index) {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
      throw Error(std::string("no CUDA device is visible (") +
                  (e != cudaSuccess ? cudaGetErrorString(e) : "0 devices") +
                  "); check the driver and CUDA_VISIBLE_DEVICES, or use device=cpu");
    if (index < 0 || index >= count)
      throw UsageError("device=cuda:" + std::to_string(index) + " but only " + std::to_string(count) +
                       " CUDA device(s) are visible (cuda:0 .. cuda:" + std::to_string(count - 1) + ")");
    check(cudaSetDevice(index), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cublasCreate(&blas_), "cublasCreate");
    check(cublasSetStream(blas_, stream_), "cublasSetStream");
    // Tensor cores for bf16/fp16; fp32 GEMMs ask for CUBLAS_COMPUTE_32F_PEDANTIC (no TF32), so fp32
    // runs track the CPU reference.
    check(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
    name_ = std::string("cuda:") + std::to_string(index) + " (" + prop.name + ")";
    check(cudaMalloc(&dev_lp_, 1), "cudaMalloc");  // grown on demand
    const char* prof = std::getenv("LIGHTEVAL_CUDA_PROFILE");
    profile_ = prof && *prof && std::string(prof) != "0";
  }
  ~CudaBackend() override {
    if (profile_) {
      double total = 0;
      for (const auto& [k, v] : prof_) total += v.first;
      for (const auto& [k, v] : prof_)
        std::fprintf(stderr, "cuda op %-14s %9.3f ms %6.1f%% %8ld calls\n", k.c_str(), v.first * 1e3,
                     100.0 * v.first / total, v.second);
    }
    cudaStreamSynchronize(stream_);
    cudaFree(dev_lp_);
    if (scratch_) cudaFree(scratch_);
    if (staging_) {
      cudaFree(staging_);
      cudaFreeHost(pinned_);
      for (auto& e : staged_) cudaEventDestroy(e);
    }
    cublasDestroy(blas_);
    cudaStreamDestroy(stream_);
  }

  Device device() const override { return Device::cuda; }
  std::string name() const override { return name_; }

  float* alloc(size_t n) override {
    forget_low();
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(float));
    if (e != cudaSuccess) {
      cudaGetLastError();
      throw Error("out of GPU memory on " + name_ + " allocating " + std::to_string((n * 4) >> 20) +
                  " MiB (lower batch_size or max_length, or use dtype=bfloat16)");
    }
    return static_cast<float*>(p);
  }
  void free(float* p) override {
    if (!p) return;
    forget_low();
    weights_.erase(p);
    strides_.erase(p);
    cudaStreamSynchronize(stream_);  // kernels queued on it may still read p
    cudaFree(p);
  }
  void upload(float* dst, const float* src, size_t n) override {
    forget_low();
    check(cudaMemcpyAsync(dst, src, n * 4, cudaMemcpyHostToDevice, stream_), "upload");
    check(cudaStreamSynchronize(stream_), "upload");
  }
  void download(float* dst, const float* src, size_t n) override {
    check(cudaMemcpyAsync(dst, src, n * 4, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "download");
  }
  void copy(float* dst, const float* src, size_t n) override {
    forget_low();
    check(cudaMemcpyAsync(dst, src, n * 4, cudaMemcpyDeviceToDevice, stream_), "copy");
  }
  void synchronize() override { check(cudaStreamSynchronize(stream_), "synchronize"); }

  void set_weight_dtype(DType t) override { wtype_ = t; }
  DType weight_dtype() const override { return wtype_; }
  float* alloc_weight(size_t n) override {
    void* p = nullptr;
    const size_t bytes = std::max<size_t>(n, 1) * dtype_size(wtype_);
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
      cudaGetLastError();
      throw Error("out of GPU memory on " + name_ + " loading the weights (" + std::to_string(bytes >> 20) +
                  " MiB more needed); use dtype=bfloat16 or a larger GPU");
    }
    weights_[p] = wtype_;
    return static_cast<float*>(p);
  }
  void upload_weight(float* dst, const float* src, size_t n) override {
    forget_low();
    const DType t = type_of(dst);
    if (t == DType::f32) return upload(dst, src, n);
    // fp32 through pinned host buffers and device staging buffers, double-buffered so the host
    // copy of one chunk overlaps the transfer and conversion of the previous one; converted on
    // the device (round to nearest even).
    constexpr size_t kChunk = size_t(1) << 23;
    if (!staging_) {
      check(cudaMalloc(&staging_, 2 * kChunk * 4), "cudaMalloc");
      check(cudaMallocHost(&pinned_, 2 * kChunk * 4), "cudaMallocHost");
      for (auto& e : staged_) check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    }
    int b = 0;
    for (size_t off = 0; off < n; off += kChunk, b ^= 1) {
      const size_t c = std::min(kChunk, n - off);
      check(cudaEventSynchronize(staged_[b]), "upload_weight");  // buffer b's last chunk is consumed
      std::memcpy(pinned_ + b * kChunk, src + off, c * 4);
      check(cudaMemcpyAsync(staging_ + b * kChunk, pinned_ + b * kChunk, c * 4, cudaMemcpyHostToDevice, stream_),
            "upload_weight");
      cuda::convert_from_f32(static_cast<char*>(static_cast<void*>(dst)) + off * 2, dtype_code(t), staging_ + b * kChunk,
                             c, stream_);
      check(cudaEventRecord(staged_[b], stream_), "upload_weight");
    }
    check(cudaStreamSynchronize(stream_), "upload_weight");
    check(cudaGetLastError(), "convert");
  }
  size_t free_memory() const override {
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) return 0;
    return free;
  }

  void embedding(float* out, const float* table, std::span<const int32_t> ids, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "embedding");
    forget_low();
    cuda::embedding(out, table, dtype_code(type_of(table)), ints(ids), static_cast<int>(ids.size()), dim, stream_);
  }
  void gather_rows(float* out, const float* x, std::span<const int32_t> rows, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "gather_rows");
    forget_low();
    cuda::embedding(out, x, 0, ints(rows), static_cast<int>(rows.size()), dim, stream_);
  }
  void scatter_rows(float* dst, const float* x, std::span<const int32_t> rows, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "scatter_rows");
    forget_low();
    cuda::scatter_rows(dst, x, ints(rows), static_cast<int>(rows.size()), dim, stream_);
  }

  void linear(float* y, const float* x, const float* w, const float* bias, int m, int k, int n) override {
    OpTimer timer_(profile_, stream_, &prof_, "linear");
    if (m == 0) return;
    const DType t = type_of(w);
    // The output may overwrite the rows whose low-precision copy is kept.
    const size_t out_n = static_cast<size_t>(m) * n;
    const bool reuse = t != DType::f32 && low_.x == x && low_.n == static_cast<size_t>(m) * k && low_.type == t;
    if (low_.x && y < low_.x + low_.n && low_.x < y + out_n) forget_low();
    float beta = 0.0f;
    if (bias) {
      cuda::broadcast_rows(y, bias, m, n, stream_);
      beta = 1.0f;
    }
    const float alpha = 1.0f;
    // Row-major y[m,n] = x[m,k] W[n,k]^T is column-major y^T[n,m] = W^T x^T, W read transposed.
    if (t == DType::f32) {
      check(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, CUDA_R_32F, k, x, CUDA_R_32F, k, &beta,
                         y, CUDA_R_32F, n, CUBLAS_COMPUTE_32F_PEDANTIC, CUBLAS_GEMM_DEFAULT),
            "sgemm");
      return;
    }
    // bf16/fp16 weights: the activations are rounded to the weight type (once: the copy is kept
    // for the GEMMs that read the same rows next, or was written by the op that produced x),
    // products accumulate in fp32.
    if (!reuse) {
      ensure_scratch(static_cast<size_t>(m) * k);
      cuda::convert_from_f32(scratch_, dtype_code(t), x, static_cast<size_t>(m) * k, stream_);
      low_ = {x, static_cast<size_t>(m) * k, t};
    }
    const cudaDataType dt = t == DType::bf16 ? CUDA_R_16BF : CUDA_R_16F;
    check(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, dt, k, scratch_, dt, k, &beta, y,
                       CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "gemm");
  }

  void add(float* y, const float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "add");
    forget_low();
    cuda::add(y, x, n, stream_);
  }
  void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) override {
    OpTimer timer_(profile_, stream_, &prof_, "layer_norm");
    forget_low();
    cuda::layer_norm(y, x, w, b, m, dim, eps, stream_);
  }
  void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) override {
    OpTimer timer_(profile_, stream_, &prof_, "rms_norm");
    // Norm outputs feed GEMMs: with low-precision weights the rounded copy is written alongside.
    void* low = produce_low(y, static_cast<size_t>(m) * dim);
    cuda::rms_norm(y, x, w, m, dim, eps, low, dtype_code(wtype_), stream_);
  }
  void add_rms_norm(float* x, const float* r, float* y, const float* w, int m, int dim, float eps) override {
    OpTimer timer_(profile_, stream_, &prof_, "add_rms_norm");
    void* low = produce_low(y, static_cast<size_t>(m) * dim);
    cuda::add_rms_norm(x, r, y, w, m, dim, eps, low, dtype_code(wtype_), stream_);
  }
  void rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads, int head_dim,
            float attention_scale) override {
    OpTimer timer_(profile_, stream_, &prof_, "rope");
    forget_low();
    std::span<const int32_t> bits(reinterpret_cast<const int32_t*>(inv_freq.data()), inv_freq.size());
    const float* freq = reinterpret_cast<const float*>(ints(bits));
    cuda::rope(x, ints(positions), freq, static_cast<int>(positions.size()), static_cast<int>(inv_freq.size()),
               n_heads, head_dim, attention_scale, stream_);
  }
  void gelu_tanh(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "gelu_tanh");
    forget_low();
    cuda::activation(x, n, 0, stream_);
  }
  void gelu_erf(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "gelu_erf");
    forget_low();
    cuda::activation(x, n, 1, stream_);
  }
  void relu(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "relu");
    forget_low();
    cuda::activation(x, n, 2, stream_);
  }
  void silu_mul(float* out, const float* gate_up, int m, int inter) override {
    OpTimer timer_(profile_, stream_, &prof_, "silu_mul");
    void* low = produce_low(out, static_cast<size_t>(m) * inter);
    cuda::silu_mul(out, gate_up, m, inter, low, dtype_code(wtype_), stream_);
  }

  void attention(float* out, const float* q, const float* k, const float* v, std::span<const AttnSegment> segments,
                 int n_heads, int n_kv, int head_dim, float scale) override {
    OpTimer timer_(profile_, stream_, &prof_, "attention");
    forget_low();
    if (head_dim > 256) throw Error("the CUDA attention kernel supports head_dim up to 256, not " + std::to_string(head_dim));
    tiles_.clear();
    segs_.clear();
    spans_.clear();
    for (size_t s = 0; s < segments.size(); ++s) {
      const AttnSegment& g = segments[s];
      for (int r = 0; r < g.q_len; r += cuda::kAttnTileRows) {
        tiles_.push_back(static_cast<int32_t>(s));
        tiles_.push_back(r);
      }
      segs_.insert(segs_.end(), {g.q_begin, g.q_len, g.kv_begin, static_cast<int32_t>(spans_.size() / 2),
                                 static_cast<int32_t>(g.context.size())});
      for (const KvSpan& sp : g.context) spans_.insert(spans_.end(), {sp.begin, sp.end});
    }
    if (spans_.empty()) spans_.push_back(0);
    const int n_tiles = static_cast<int>(tiles_.size() / 2);
    // bf16/fp16 runs use tensor cores for prefill; fp32 runs (and decode steps, one row a tile)
    // use the exact fp32 kernel.
    const bool decode = rows_in(segments) < 4 * n_tiles;
    if (wtype_ != DType::f32 && !decode && cuda::attention_tc_supported(head_dim))
      cuda::attention_tc(out, q, k, v, ints(tiles_), n_tiles, ints(segs_), ints(spans_), n_heads, n_kv, head_dim,
                         scale, stream_);
    else
      cuda::attention(out, q, k, v, ints(tiles_), n_tiles, ints(segs_), ints(spans_), n_heads, n_kv, head_dim, scale,
                      stream_);
  }

  void logprob_gather(const float* logits, std::span<const int32_t> rows, std::span<const int32_t> targets, int vocab,
                      double* logprob, uint8_t* greedy) override {
    OpTimer timer_(profile_, stream_, &prof_, "logprob_gather");
    const size_t n = targets.size();
    if (n == 0) return;
    const size_t bytes = n * (sizeof(double) + 1);
    if (bytes > lp_bytes_) {
      cudaStreamSynchronize(stream_);
      cudaFree(dev_lp_);
      lp_bytes_ = std::max(bytes, lp_bytes_ * 2);
      check(cudaMalloc(&dev_lp_, lp_bytes_), "cudaMalloc");
    }
    double* d_lp = static_cast<double*>(dev_lp_);
    uint8_t* d_g = reinterpret_cast<uint8_t*>(d_lp + n);
    const int32_t* d_rows = ints(rows);
    const int32_t* d_targets = ints(targets);
    cuda::logprob_gather(logits, d_rows, d_targets, static_cast<int>(n), vocab, stride_of(logits, vocab), d_lp, d_g,
                         stream_);
    check(cudaMemcpyAsync(logprob, d_lp, n * sizeof(double), cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaMemcpyAsync(greedy, d_g, n, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "logprob_gather");
    check(cudaGetLastError(), "logprob_gather");
  }

  void argmax_rows(const float* logits, int m, int vocab, int32_t* out) override {
    OpTimer timer_(profile_, stream_, &prof_, "argmax_rows");
    if (m == 0) return;
    if (static_cast<size_t>(m) * 4 > lp_bytes_) {
      cudaStreamSynchronize(stream_);
      cudaFree(dev_lp_);
      lp_bytes_ = std::max<size_t>(static_cast<size_t>(m) * 4, lp_bytes_ * 2);
      check(cudaMalloc(&dev_lp_, lp_bytes_), "cudaMalloc");
    }
    int32_t* d_out = static_cast<int32_t*>(dev_lp_);
    cuda::argmax_rows(logits, m, vocab, stride_of(logits, vocab), d_out, stream_);
    check(cudaMemcpyAsync(out, d_out, static_cast<size_t>(m) * 4, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "argmax_rows");
    check(cudaGetLastError(), "argmax_rows");
  }

  int vocab_multiple() const override { return kVocabMultiple; }
  void set_logits_stride(const float* logits, int stride) override { strides_[logits] = stride; }

 private:
  static int rows_in(std::span<const AttnSegment> segments) {
    int n = 0;
    for (const auto& g : segments) n += g.q_len;
    return n;
  }
  DType type_of(const void* p) const {
    const auto it = weights_.find(p);
    return it == weights_.end() ? DType::f32 : it->second;
  }
  const int32_t* ints(std::span<const int32_t> host) { return cache_.get(host, stream_); }
  int stride_of(const float* logits, int vocab) const {
    const auto it = strides_.find(logits);
    return it == strides_.end() || it->second < vocab ? vocab : it->second;
  }
  void ensure_scratch(size_t elements) {
    const size_t need = elements * 2;
    if (need <= scratch_bytes_) return;
    forget_low();
    if (scratch_) {
      cudaStreamSynchronize(stream_);
      cudaFree(scratch_);
    }
    scratch_bytes_ = std::max(need, scratch_bytes_ * 2);
    check(cudaMalloc(&scratch_, scratch_bytes_), "cudaMalloc");
  }
  void forget_low() { low_ = {}; }
  // Where an op producing y (n elements) writes its low-precision copy: the scratch, when weights
  // are bf16/fp16 (nullptr for fp32 runs, which keep no copy).
  void* produce_low(const float* y, size_t n) {
    forget_low();
    if (wtype_ == DType::f32) return nullptr;
    ensure_scratch(n);
    low_ = {y, n, wtype_};
    return scratch_;
  }

  int index_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DType wtype_ = DType::f32;
  std::unordered_map<const void*, DType> weights_;
  // The low-precision copy of a GEMM input: scratch_ holds the n floats at x rounded to `type`
  // while x is unchanged. q, k and v read the same normed rows (converted once), and rms_norm /
  // silu_mul write the copy themselves, so no separate conversion pass runs before those GEMMs.
  // Every op that writes device memory forgets it, but linear(), which checks its output range.
  struct LowCopy {
    const float* x = nullptr;
    size_t n = 0;
    DType type = DType::f32;
  };
  LowCopy low_;
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
  // Row strides of padded logits buffers (set_logits_stride).
  std::unordered_map<const void*, int> strides_;
  static constexpr int kVocabMultiple = 128;
  float* staging_ = nullptr;
  float* pinned_ = nullptr;
  cudaEvent_t staged_[2] = {nullptr, nullptr};
  void* dev_lp_ = nullptr;
  size_t lp_bytes_ = 0;
  IntCache cache_;
  std::vector<int32_t> tiles_, segs_, spans_;
  bool profile_ = false;
  std::map<std::string, std::pair<double, long>> prof_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int index) { return std::make_unique<CudaBackend>(index); }

}  // namespace lighteval::engine

// The plugin's entry point, looked up by engine/backend.cpp with dlsym (see cuda_backend.h).
extern "C" __attribute__((visibility("default"))) lighteval::engine::Backend* lighteval_cuda_backend_create(int index) {
  return lighteval::engine::make_cuda_backend(index).release();
}
