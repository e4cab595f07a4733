#include "engine/cuda/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/cuda/graphs.h"
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
    const char* prof = std::getenv("LIGHTEVAL_CUDA_PROFILE");
    profile_ = prof && *prof && std::string(prof) != "0";
    const char* graphs = std::getenv("LIGHTEVAL_CUDA_GRAPHS");
    graphs_enabled_ = !profile_ && !(graphs && std::string(graphs) == "0");
    graphs_ = std::make_unique<cuda::Graphs>(stream_);
    // A workspace of our own, so cuBLAS allocates nothing while a graph is captured.
    constexpr size_t kBlasWorkspace = size_t(32) << 20;
    check(cudaMalloc(&blas_workspace_, kBlasWorkspace), "cudaMalloc");
    check(cublasSetWorkspace(blas_, blas_workspace_, kBlasWorkspace), "cublasSetWorkspace");
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
    for (auto& [p, cap] : temps_)
      if (p) cudaFree(p);
    if (staging_) {
      cudaFree(staging_);
      cudaFreeHost(pinned_);
      for (auto& e : staged_) cudaEventDestroy(e);
    }
    graphs_.reset();
    cublasDestroy(blas_);
    cudaFree(blas_workspace_);
    cudaStreamDestroy(stream_);
  }

  Device device() const override { return Device::cuda; }
  std::string name() const override { return name_; }

  float* alloc(size_t n) override { return allocate(n * 4, "allocating"); }
  float* alloc_activation(size_t n) override {
    float* p = allocate(n * dtype_size(wtype_), "allocating");
    if (wtype_ != DType::f32) register_typed(p, n * dtype_size(wtype_), wtype_);
    return p;
  }
  DType activation_dtype() const override { return wtype_; }
  void free(float* p) override {
    if (!p) return;
    typed_.erase(reinterpret_cast<uintptr_t>(p));
    strides_.erase(p);
    graphs_->clear();  // a graph may hold p
    if (graphs_->mode() != cuda::Graphs::Mode::eager) {  // no synchronising during a capture
      deferred_free_.push_back(p);
      return;
    }
    cudaStreamSynchronize(stream_);  // kernels queued on it may still read p
    cudaFree(p);
  }

  // CUDA graphs for repeated forwards (graphs.h); LIGHTEVAL_CUDA_GRAPHS=0 or profiling turns them off.
  void graph_begin(uint64_t key) override {
    if (graphs_enabled_) graphs_->begin(key);
  }
  bool graph_end() override {
    const bool ran = graphs_->end();
    release_deferred();
    return ran;
  }
  void graph_abort() override {
    graphs_->abort();
    release_deferred();
  }
  // Host values are fp32; a typed destination receives them converted (round to nearest even).
  void upload(float* dst, const float* src, size_t n) override {
    outside_graph("upload");
    const DType t = type_of(dst);
    void* stage = t == DType::f32 ? static_cast<void*>(dst) : temp(kTransfer, n * 4);
    check(cudaMemcpyAsync(stage, src, n * 4, cudaMemcpyHostToDevice, stream_), "upload");
    if (t != DType::f32) cuda::convert(dst, dtype_code(t), stage, 0, n, stream_);
    check(cudaStreamSynchronize(stream_), "upload");
  }
  void download(float* dst, const float* src, size_t n) override {
    outside_graph("download");
    const DType t = type_of(src);
    const void* from = src;
    if (t != DType::f32) {
      void* stage = temp(kTransfer, n * 4);
      cuda::convert(stage, 0, src, dtype_code(t), n, stream_);
      from = stage;
    }
    check(cudaMemcpyAsync(dst, from, n * 4, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "download");
  }
  void copy(float* dst, const float* src, size_t n) override {
    if (replaying()) return;
    const DType td = type_of(dst), ts = type_of(src);
    if (td == ts)
      check(cudaMemcpyAsync(dst, src, n * dtype_size(td), cudaMemcpyDeviceToDevice, stream_), "copy");
    else
      cuda::convert(dst, dtype_code(td), src, dtype_code(ts), n, stream_);
  }
  void synchronize() override {
    outside_graph("synchronize");
    check(cudaStreamSynchronize(stream_), "synchronize");
  }

  void set_weight_dtype(DType t) override { wtype_ = t; }
  DType weight_dtype() const override { return wtype_; }
  float* alloc_weight(size_t n) override {
    const size_t bytes = std::max<size_t>(n, 1) * dtype_size(wtype_);
    float* p = allocate(bytes, "loading the weights");
    if (wtype_ != DType::f32) register_typed(p, bytes, wtype_);
    return p;
  }
  void upload_weight(float* dst, const float* src, size_t n) override {
    if (type_of(dst) == DType::f32) return upload(dst, src, n);
    upload_converted(dst, 0, src, DType::f32, n);
  }
  bool upload_weight_stored(float* dst, size_t offset, const void* src, DType src_type, size_t n) override {
    upload_converted(dst, offset, src, src_type, n);
    return true;
  }
  size_t free_memory() const override {
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) return 0;
    return free;
  }

  void embedding(float* out, const float* table, std::span<const int32_t> ids, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "embedding");
    const int32_t* d_ids = ints(ids);
    if (replaying()) return;
    cuda::gather_rows(out, code(out), table, code(table), d_ids, static_cast<int>(ids.size()), dim, stream_);
  }
  void gather_rows(float* out, const float* x, std::span<const int32_t> rows, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "gather_rows");
    const int32_t* d_rows = ints(rows);
    if (replaying()) return;
    cuda::gather_rows(out, code(out), x, code(x), d_rows, static_cast<int>(rows.size()), dim, stream_);
  }
  void scatter_rows(float* dst, const float* x, std::span<const int32_t> rows, int dim) override {
    OpTimer timer_(profile_, stream_, &prof_, "scatter_rows");
    const int32_t* d_rows = ints(rows);
    if (replaying()) return;
    cuda::scatter_rows(dst, code(dst), x, code(x), d_rows, static_cast<int>(rows.size()), dim, stream_);
  }

  // y = x W^T (+ bias) through cuBLAS: A and B in the weight's type (an input of another type is
  // converted first), C in y's type (fp32, or the weight's), products accumulated in fp32 (strict
  // fp32, no TF32, for fp32 weights).
  void linear(float* y, const float* x, const float* w, const float* bias, int m, int k, int n) override {
    OpTimer timer_(profile_, stream_, &prof_, "linear");
    if (replaying()) return;
    if (m == 0) return;
    const DType wt = type_of(w), xt = type_of(x), yt = type_of(y);
    const size_t in_n = static_cast<size_t>(m) * k;
    const void* in = x;
    if (xt != wt) {
      void* t = temp(kGemmIn, in_n * dtype_size(wt));
      cuda::convert(t, dtype_code(wt), x, dtype_code(xt), in_n, stream_);
      in = t;
    }
    if (yt != DType::f32 && yt != wt)
      throw Error("linear writes an fp32 buffer or one of the weight's dtype, not another");
    float beta = 0.0f;
    if (bias) {
      cuda::broadcast_rows(y, dtype_code(yt), bias, m, n, stream_);
      beta = 1.0f;
    }
    const float alpha = 1.0f;
    // Row-major y[m,n] = x[m,k] W[n,k]^T is column-major y^T[n,m] = W^T x^T, W read transposed.
    check(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, cuda_type(wt), k, in, cuda_type(wt), k,
                       &beta, y, cuda_type(yt), n,
                       wt == DType::f32 ? CUBLAS_COMPUTE_32F_PEDANTIC : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "gemm");
  }

  void add(float* y, const float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "add");
    if (replaying()) return;
    cuda::add(y, code(y), x, code(x), n, stream_);
  }
  void layer_norm(float* y, const float* x, const float* w, const float* b, int m, int dim, float eps) override {
    OpTimer timer_(profile_, stream_, &prof_, "layer_norm");
    if (replaying()) return;
    cuda::layer_norm(y, code(y), x, code(x), w, b, m, dim, eps, stream_);
  }
  void rms_norm(float* y, const float* x, const float* w, int m, int dim, float eps) override {
    OpTimer timer_(profile_, stream_, &prof_, "rms_norm");
    if (replaying()) return;
    cuda::rms_norm(y, code(y), x, code(x), w, m, dim, eps, stream_);
  }
  void add_rms_norm(float* x, const float* r, float* y, const float* w, int m, int dim, float eps) override {
    if (type_of(x) != DType::f32) return Backend::add_rms_norm(x, r, y, w, m, dim, eps);  // two passes
    OpTimer timer_(profile_, stream_, &prof_, "add_rms_norm");
    if (replaying()) return;
    cuda::add_rms_norm(x, r, code(r), y, code(y), w, m, dim, eps, stream_);
  }
  void rope(float* x, std::span<const int32_t> positions, std::span<const float> inv_freq, int n_heads, int head_dim,
            float attention_scale) override {
    OpTimer timer_(profile_, stream_, &prof_, "rope");
    std::span<const int32_t> bits(reinterpret_cast<const int32_t*>(inv_freq.data()), inv_freq.size());
    const float* freq = reinterpret_cast<const float*>(ints(bits));
    const int32_t* d_pos = ints(positions);
    if (replaying()) return;
    cuda::rope(x, code(x), d_pos, freq, static_cast<int>(positions.size()),
               static_cast<int>(inv_freq.size()), n_heads, head_dim, attention_scale, stream_);
  }
  void gelu_tanh(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "gelu_tanh");
    if (replaying()) return;
    cuda::activation(x, code(x), n, 0, stream_);
  }
  void gelu_erf(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "gelu_erf");
    if (replaying()) return;
    cuda::activation(x, code(x), n, 1, stream_);
  }
  void relu(float* x, size_t n) override {
    OpTimer timer_(profile_, stream_, &prof_, "relu");
    if (replaying()) return;
    cuda::activation(x, code(x), n, 2, stream_);
  }
  void silu_mul(float* out, const float* gate_up, int m, int inter) override {
    OpTimer timer_(profile_, stream_, &prof_, "silu_mul");
    if (replaying()) return;
    cuda::silu_mul(out, code(out), gate_up, code(gate_up), m, inter, stream_);
  }

  void attention(float* out, const float* q, const float* k, const float* v, std::span<const AttnSegment> segments,
                 int n_heads, int n_kv, int head_dim, float scale) override {
    if (head_dim > 256) throw Error("the CUDA attention kernel supports head_dim up to 256, not " + std::to_string(head_dim));
    const DType t = type_of(q);
    if (type_of(k) != t || type_of(v) != t || type_of(out) != t)
      throw Error("attention needs q, k, v and out stored in one dtype (activation buffers of one run)");
    tiles_.clear();
    segs_.clear();
    spans_.clear();
    int q_rows = 0;
    for (size_t s = 0; s < segments.size(); ++s) {
      const AttnSegment& g = segments[s];
      for (int r = 0; r < g.q_len; r += cuda::kAttnTileRows) {
        tiles_.push_back(static_cast<int32_t>(s));
        tiles_.push_back(r);
      }
      segs_.insert(segs_.end(), {g.q_begin, g.q_len, g.kv_begin, static_cast<int32_t>(spans_.size() / 2),
                                 static_cast<int32_t>(g.context.size())});
      q_rows = std::max(q_rows, g.q_begin + g.q_len);
      for (const KvSpan& sp : g.context) spans_.insert(spans_.end(), {sp.begin, sp.end});
    }
    if (spans_.empty()) spans_.push_back(0);
    const int n_tiles = static_cast<int>(tiles_.size() / 2);
    const int* tiles = ints(tiles_);
    const int* segs = ints(segs_);
    const int* spans = ints(spans_);
    if (replaying()) return;
    // Decode steps (one row per segment) have their own kernel; prefill tiles run on tensor cores
    // for bf16/fp16 storage; the rest (fp32 storage, other head dims) take the exact kernel.
    const bool one_row = std::all_of(segments.begin(), segments.end(), [](const AttnSegment& g) { return g.q_len == 1; });
    if (one_row && cuda::decode_attention_supported(head_dim)) {
      OpTimer timer_(profile_, stream_, &prof_, "attention_decode");
      cuda::decode_attention(out, q, k, v, dtype_code(t), segs, static_cast<int>(segments.size()), spans, n_heads,
                             n_kv, head_dim, scale, stream_);
      return;
    }
    const bool decode = q_rows < 4 * n_tiles;
    const bool flash = !decode && cuda::flash_attention_supported(head_dim, dtype_code(t));
    OpTimer timer_(profile_, stream_, &prof_, flash ? "attention_tc" : "attention");
    if (flash)
      cuda::flash_attention(out, q, k, v, dtype_code(t), tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale,
                            stream_);
    else
      cuda::attention(out, q, k, v, dtype_code(t), tiles, n_tiles, segs, spans, n_heads, n_kv, head_dim, scale,
                      stream_);
  }

  void logprob_gather(const float* logits, std::span<const int32_t> rows, std::span<const int32_t> targets, int vocab,
                      double* logprob, uint8_t* greedy) override {
    OpTimer timer_(profile_, stream_, &prof_, "logprob_gather");
    outside_graph("logprob_gather");
    require_f32(logits, "logprob_gather");
    const size_t n = targets.size();
    if (n == 0) return;
    void* dev = temp(kResults, n * (sizeof(double) + 1));
    double* d_lp = static_cast<double*>(dev);
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
    outside_graph("argmax_rows");
    require_f32(logits, "argmax_rows");
    if (m == 0) return;
    int32_t* d_out = static_cast<int32_t*>(temp(kResults, static_cast<size_t>(m) * 4));
    cuda::argmax_rows(logits, m, vocab, stride_of(logits, vocab), d_out, stream_);
    check(cudaMemcpyAsync(out, d_out, static_cast<size_t>(m) * 4, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "argmax_rows");
    check(cudaGetLastError(), "argmax_rows");
  }

  int vocab_multiple() const override { return kVocabMultiple; }
  void set_logits_stride(const float* logits, int stride) override { strides_[logits] = stride; }

 private:
  // Reusable device scratch buffers, one per purpose (grown on demand, freed with the backend).
  enum Temp { kGemmIn, kTransfer, kResults, kTemps };

  float* allocate(size_t bytes, const char* what) {
    void* p = nullptr;
    if (cudaMalloc(&p, std::max<size_t>(bytes, 1)) != cudaSuccess) {
      cudaGetLastError();
      throw Error("out of GPU memory on " + name_ + " " + what + " (" + std::to_string(bytes >> 20) +
                  " MiB more needed); lower batch_size or max_length, or use dtype=bfloat16");
    }
    return static_cast<float*>(p);
  }
  void register_typed(const void* p, size_t bytes, DType t) {
    const auto a = reinterpret_cast<uintptr_t>(p);
    typed_[a] = {a + bytes, t};
  }
  // The storage type of the buffer holding p (interior pointers included); fp32 if unregistered.
  DType type_of(const void* p) const {
    const auto a = reinterpret_cast<uintptr_t>(p);
    auto it = typed_.upper_bound(a);
    if (it == typed_.begin()) return DType::f32;
    --it;
    return a < it->second.first ? it->second.second : DType::f32;
  }
  int code(const void* p) const { return dtype_code(type_of(p)); }
  static cudaDataType cuda_type(DType t) {
    return t == DType::bf16 ? CUDA_R_16BF : t == DType::f16 ? CUDA_R_16F : CUDA_R_32F;
  }
  void require_f32(const float* p, const char* op) const {
    if (type_of(p) != DType::f32) throw Error(std::string(op) + " reads fp32 logits; this buffer is not fp32");
  }
  void* temp(Temp which, size_t bytes) {
    auto& [p, cap] = temps_[which];
    if (bytes <= cap) return p;
    if (p && graphs_->mode() != cuda::Graphs::Mode::eager) {
      graphs_->fail();  // the forward is re-run eagerly, which grows the buffer
      return p;
    }
    graphs_->clear();
    if (p) {
      cudaStreamSynchronize(stream_);
      cudaFree(p);
      p = nullptr;
      cap = 0;
    }
    const size_t grown = std::max(bytes, cap * 2);
    p = allocate(grown, "allocating a work buffer");
    cap = grown;
    return p;
  }
  // n host values of src_type into the weight buffer dst from element `offset` on, converted on the
  // device to dst's type (round to nearest even): through pinned host buffers and device staging
  // buffers, double-buffered so the host copy of one chunk overlaps the transfer and conversion of
  // the previous one.
  void upload_converted(float* dst, size_t offset, const void* src, DType src_type, size_t n) {
    const DType t = type_of(dst);
    const size_t in_size = dtype_size(src_type);
    char* out = reinterpret_cast<char*>(dst) + offset * dtype_size(t);
    constexpr size_t kChunkBytes = size_t(1) << 25;
    if (!staging_) {
      check(cudaMalloc(&staging_, 2 * kChunkBytes), "cudaMalloc");
      check(cudaMallocHost(&pinned_, 2 * kChunkBytes), "cudaMallocHost");
      for (auto& e : staged_) check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    }
    const size_t chunk = kChunkBytes / in_size;
    int b = 0;
    for (size_t off = 0; off < n; off += chunk, b ^= 1) {
      const size_t c = std::min(chunk, n - off);
      char* pin = static_cast<char*>(pinned_) + b * kChunkBytes;
      char* stage = static_cast<char*>(staging_) + b * kChunkBytes;
      check(cudaEventSynchronize(staged_[b]), "upload_weight");  // buffer b's last chunk is consumed
      std::memcpy(pin, static_cast<const char*>(src) + off * in_size, c * in_size);
      check(cudaMemcpyAsync(stage, pin, c * in_size, cudaMemcpyHostToDevice, stream_), "upload_weight");
      cuda::convert(out + off * dtype_size(t), dtype_code(t), stage, dtype_code(src_type), c, stream_);
      check(cudaEventRecord(staged_[b], stream_), "upload_weight");
    }
    check(cudaStreamSynchronize(stream_), "upload_weight");
    check(cudaGetLastError(), "convert");
  }
  const int32_t* ints(std::span<const int32_t> host) {
    return graphs_->mode() == cuda::Graphs::Mode::eager ? cache_.get(host, stream_) : graphs_->args(host);
  }
  // A graph replay launches nothing: the ops only refresh their arguments (ints()).
  bool replaying() const { return graphs_->mode() == cuda::Graphs::Mode::replay; }
  void outside_graph(const char* what) const {
    if (graphs_->mode() != cuda::Graphs::Mode::eager)
      throw Error(std::string("internal: ") + what + " inside a CUDA graph forward");
  }
  void release_deferred() {
    if (deferred_free_.empty()) return;
    cudaStreamSynchronize(stream_);
    for (float* p : deferred_free_) cudaFree(p);
    deferred_free_.clear();
  }
  int stride_of(const float* logits, int vocab) const {
    const auto it = strides_.find(logits);
    return it == strides_.end() || it->second < vocab ? vocab : it->second;
  }

  int index_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DType wtype_ = DType::f32;
  // Weight and activation buffers stored bf16/fp16: start address -> (end address, type).
  std::map<uintptr_t, std::pair<uintptr_t, DType>> typed_;
  std::pair<void*, size_t> temps_[kTemps] = {};
  // Row strides of padded logits buffers (set_logits_stride).
  std::unordered_map<const void*, int> strides_;
  static constexpr int kVocabMultiple = 128;
  void* staging_ = nullptr;
  void* pinned_ = nullptr;
  cudaEvent_t staged_[2] = {nullptr, nullptr};
  IntCache cache_;
  std::unique_ptr<cuda::Graphs> graphs_;
  bool graphs_enabled_ = true;
  std::vector<float*> deferred_free_;
  void* blas_workspace_ = nullptr;
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
