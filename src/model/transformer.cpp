#include "model/transformer.h"

#include <algorithm>
#include <cmath>

#include "model/rope.h"
#include "util/error.h"

namespace lighteval::model {

using engine::DeviceBuffer;

Transformer::Transformer(ModelConfig config, engine::Backend& backend, const formats::SafetensorsCheckpoint& weights)
    : cfg_(std::move(config)), be_(backend), weights_(&weights) {
  if (be_.device() != engine::Device::cpu) mlp_chunk_ = 1 << 30;
  if (cfg_.family == Family::gpt2)
    load_gpt2();
  else
    load_llama();
  weights_ = nullptr;
  staging_ = {};
}

std::string Transformer::resolve(const std::string& name) const {
  // Checkpoints saved from the base class lack the "model." / "transformer." prefix; some GPT-2
  // fine-tunes have it where openai-community/gpt2 does not. Try both spellings.
  if (weights_->contains(prefix_ + name)) return prefix_ + name;
  for (const char* p : {"", "model.", "transformer."})
    if (weights_->contains(p + name)) return p + name;
  return prefix_ + name;  // missing: load() reports it under the canonical name
}

DeviceBuffer Transformer::upload(const std::vector<float>& host) {
  DeviceBuffer buf(be_, host.size());
  be_.upload(buf.get(), host.data(), host.size());
  return buf;
}

DeviceBuffer Transformer::upload_weight(const std::vector<float>& host) {
  DeviceBuffer buf = DeviceBuffer::weight(be_, host.size());
  be_.upload_weight(buf.get(), host.data(), host.size());
  return buf;
}

DeviceBuffer Transformer::load_weight(const std::string& name, const std::vector<int64_t>& shape) {
  if (be_.device() == engine::Device::cpu) return load(name, shape);
  require(name, shape);
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  DeviceBuffer buf = DeviceBuffer::weight(be_, n);
  load_weight_into(buf.get(), 0, name, shape);
  return buf;
}

void Transformer::load_weight_into(float* dst, size_t offset, const std::string& name,
                                   const std::vector<int64_t>& shape) {
  const std::string key = resolve(name);
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  n_params_ += n;
  // fp32/bf16/fp16 tensors go up as stored, converted on the device; other dtypes are converted
  // on the host into one reused buffer (no fresh pages per tensor), then uploaded.
  const auto dt = weights_->info(key).dtype;
  using SD = formats::SafetensorsDType;
  if (dt == SD::F32 || dt == SD::BF16 || dt == SD::F16) {
    const engine::DType t = dt == SD::F32 ? engine::DType::f32 : dt == SD::BF16 ? engine::DType::bf16 : engine::DType::f16;
    const auto bytes = weights_->stored(key, shape);
    const bool done = be_.upload_weight_stored(dst, offset, bytes.data(), t, n);
    weights_->release(key);
    if (done) return;
  }
  if (staging_.size() < n) staging_.resize(n);
  weights_->load_f32_into(key, shape, staging_.data());
  if (be_.upload_weight_stored(dst, offset, staging_.data(), engine::DType::f32, n)) return;
  if (offset != 0) throw Error("internal: loading a weight slice needs Backend::upload_weight_stored");
  be_.upload_weight(dst, staging_.data(), n);
}

int Transformer::head_rows() const {
  const int mult = std::max(1, be_.vocab_multiple());
  return (cfg_.vocab_size + mult - 1) / mult * mult;
}

DeviceBuffer Transformer::load_vocab_table(const std::string& name, int64_t hidden) {
  const int64_t V = cfg_.vocab_size, rows = head_rows();
  if (rows == V || be_.device() == engine::Device::cpu) return load_weight(name, {V, hidden});
  require(name, {V, hidden});  // checked before the padded size is allocated
  const size_t n = static_cast<size_t>(V) * hidden, padded = static_cast<size_t>(rows) * hidden;
  n_params_ += n;
  if (staging_.size() < padded) staging_.resize(padded);
  weights_->load_f32_into(resolve(name), {V, hidden}, staging_.data());
  std::fill(staging_.begin() + n, staging_.begin() + padded, 0.0f);  // the padded rows are zero
  DeviceBuffer buf = DeviceBuffer::weight(be_, padded);
  be_.upload_weight(buf.get(), staging_.data(), padded);
  return buf;
}

void Transformer::require(const std::string& name, const std::vector<int64_t>& shape) const {
  const std::string key = resolve(name);
  if (!weights_->contains(key) || weights_->info(key).shape != shape)
    (void)weights_->load_f32(key, shape);  // throws the clear error without converting anything
}

DeviceBuffer Transformer::load(const std::string& name, const std::vector<int64_t>& shape) {
  const std::string key = resolve(name);
  require(name, shape);  // past this the buffer is no larger than the checkpoint's tensor
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  n_params_ += n;
  if (be_.device() == engine::Device::cpu) {  // convert straight into the weight buffer: no copy
    DeviceBuffer buf(be_, n);
    weights_->load_f32_into(key, shape, buf.get());
    return buf;
  }
  return upload(weights_->load_f32(key, shape));
}

DeviceBuffer Transformer::load_optional(const std::string& name, const std::vector<int64_t>& shape) {
  if (!weights_->contains(resolve(name))) return {};
  return load(name, shape);
}

DeviceBuffer Transformer::load_conv1d(const std::string& name, int64_t in, int64_t out) {
  const std::vector<float> host = weights_->load_f32(resolve(name), {in, out});
  std::vector<float> t(host.size());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) t[o * in + i] = host[i * out + o];
  n_params_ += host.size();
  return upload_weight(t);
}

std::optional<int> Transformer::position_limit() const {
  if (cfg_.family == Family::gpt2) return cfg_.max_position_embeddings;
  return std::nullopt;
}

size_t Transformer::activation_bytes_per_row() const {
  const size_t H = cfg_.hidden_size, qd = static_cast<size_t>(cfg_.n_heads) * cfg_.head_dim, kvd = kv_dim();
  // x_ and out_h_ are fp32; the rest are activation buffers.
  return sizeof(float) * 2 * H +
         be_.activation_size() * (H + 2 * qd + 2 * kvd + 3 * static_cast<size_t>(cfg_.intermediate_size));
}

int Transformer::mlp_rows(int m) const { return std::min(m, mlp_chunk_); }

size_t Transformer::mlp_width() const {
  return static_cast<size_t>(cfg_.intermediate_size) * (cfg_.family == Family::gpt2 ? 1 : 2);
}

size_t Transformer::activation_bytes(int rows) const {
  const size_t H = cfg_.hidden_size, qd = static_cast<size_t>(cfg_.n_heads) * cfg_.head_dim, kvd = kv_dim();
  const size_t m = static_cast<size_t>(rows), c = static_cast<size_t>(mlp_rows(rows));
  const size_t mlp = c * mlp_width() + (cfg_.family == Family::gpt2 ? 0 : c * cfg_.intermediate_size);
  return sizeof(float) * m * H + be_.activation_size() * (m * (H + 2 * qd + 2 * kvd) + mlp);
}

void Transformer::attention_sublayer(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m, bool rope,
                                     bool add_residual) {
  const Layer& L = layers_[l];
  const int H = cfg_.hidden_size, qd = cfg_.n_heads * cfg_.head_dim, kvd = kv_dim();
  be_.linear(q_.get(), h_.get(), L.wq.get(), L.bq.get(), m, H, qd);
  be_.linear(k_.get(), h_.get(), L.wk.get(), L.bk.get(), m, H, kvd);
  be_.linear(v_.get(), h_.get(), L.wv.get(), L.bv.get(), m, H, kvd);
  if (rope) {
    be_.rope(q_.get(), b.positions, inv_freq_, cfg_.n_heads, cfg_.head_dim, 1.0f);
    be_.rope(k_.get(), b.positions, inv_freq_, cfg_.n_kv_heads, cfg_.head_dim, 1.0f);
  }
  be_.scatter_rows(kv.k(l), k_.get(), b.kv_rows, kvd);
  be_.scatter_rows(kv.v(l), v_.get(), b.kv_rows, kvd);
  be_.attention(att_.get(), q_.get(), kv.k(l), kv.v(l), b.segments, cfg_.n_heads, cfg_.n_kv_heads, cfg_.head_dim,
                1.0f / std::sqrt(static_cast<float>(cfg_.head_dim)));
  be_.linear(h_.get(), att_.get(), L.wo.get(), L.bo.get(), m, qd, H);
  if (add_residual) be_.add(x_.get(), h_.get(), static_cast<size_t>(m) * H);
}

namespace {

// A decode step: one row per sequence, each its own segment, every row's logits wanted. Such
// forwards repeat with the same shape for every step, so they run as device graphs.
bool is_decode_step(const engine::ForwardBatch& b) {
  if (b.segments.size() != b.tokens.size() || b.output_rows.size() != b.tokens.size()) return false;
  for (const auto& s : b.segments)
    if (s.q_len != 1) return false;
  return true;
}

// Leaves graph mode if the forward throws.
class GraphScope {
 public:
  GraphScope(engine::Backend& be, uint64_t key) : be_(be) { be_.graph_begin(key); }
  ~GraphScope() {
    if (!ended_) be_.graph_abort();
  }
  bool end() {
    ended_ = true;
    return be_.graph_end();
  }

 private:
  engine::Backend& be_;
  bool ended_ = false;
};

}  // namespace

void Transformer::forward(const engine::ForwardBatch& b, engine::KvCache& kv, DeviceBuffer& logits) {
  const int m = static_cast<int>(b.tokens.size());
  if (m == 0) return;
  for (int32_t t : b.tokens)
    if (t < 0 || t >= cfg_.vocab_size) throw Error("token id " + std::to_string(t) + " is outside the vocabulary");
  if (cfg_.family == Family::gpt2)
    for (int32_t p : b.positions)
      if (p < 0 || p >= cfg_.max_position_embeddings)
        throw Error("position " + std::to_string(p) + " is beyond GPT-2's " +
                    std::to_string(cfg_.max_position_embeddings) + " learned positions");
  if (is_decode_step(b)) {
    // Graph key: the row count and the KV store the step writes to.
    GraphScope graph(be_, (static_cast<uint64_t>(m) << 40) ^ reinterpret_cast<uintptr_t>(kv.k(0)));
    run(b, kv, logits);
    if (graph.end()) return;
  }
  run(b, kv, logits);  // eager (or again, when a graph replay could not take this step)
}

void Transformer::run(const engine::ForwardBatch& b, engine::KvCache& kv, DeviceBuffer& logits) {
  const int m = static_cast<int>(b.tokens.size());
  const int H = cfg_.hidden_size, V = cfg_.vocab_size;
  const size_t qd = static_cast<size_t>(cfg_.n_heads) * cfg_.head_dim, kvd = kv_dim();
  const size_t I = cfg_.intermediate_size;
  // The residual stream x_ is fp32; sublayer inputs and outputs are activation buffers (bf16 on a
  // GPU running bf16 weights).
  x_.ensure(be_, m * H);
  h_.ensure_activation(be_, m * H);
  q_.ensure_activation(be_, m * qd);
  k_.ensure_activation(be_, m * kvd);
  v_.ensure_activation(be_, m * kvd);
  att_.ensure_activation(be_, m * qd);
  // The MLP runs over row chunks (rows are independent there), so its wide intermediate buffers
  // stay small whatever the batch: they were the largest activations.
  mlp_.ensure_activation(be_, mlp_rows(m) * mlp_width());
  if (cfg_.family != Family::gpt2) mlp2_.ensure_activation(be_, mlp_rows(m) * I);

  be_.embedding(x_.get(), embed_.get(), b.tokens, H);
  if (cfg_.family == Family::gpt2) {
    be_.embedding(h_.get(), pos_embed_.get(), b.positions, H);
    be_.add(x_.get(), h_.get(), static_cast<size_t>(m) * H);
    for (int l = 0; l < cfg_.n_layers; ++l) gpt2_block(l, b, kv, m);
  } else {
    int max_pos = 0;
    for (int32_t p : b.positions) max_pos = std::max(max_pos, p);
    // Dynamic NTK scaling depends on the sequence length; the others are computed once.
    const int len = cfg_.rope.type == "dynamic" ? std::max(max_pos + 1, cfg_.max_position_embeddings) : 0;
    if (len != inv_freq_len_) {
      inv_freq_ = rope_inv_freq(cfg_, len);
      inv_freq_len_ = len;
    }
    for (int l = 0; l < cfg_.n_layers; ++l) llama_block(l, b, kv, m);
  }
  // Final norm and LM head only on the rows whose logits are wanted.
  const int n_out = static_cast<int>(b.output_rows.size());
  out_h_.ensure(be_, static_cast<size_t>(std::max(n_out, 1)) * H);
  // The head GEMM runs over the padded rows (a tile-aligned N); each logits row is head_rows()
  // wide and the padded columns are never read.
  const int Vp = head_rows();
  logits.ensure(be_, static_cast<size_t>(std::max(n_out, 1)) * Vp);
  if (Vp != V) be_.set_logits_stride(logits.get(), Vp);
  if (n_out == 0) return;
  // In fp32 from the residual stream: the norm runs in place on the gathered rows.
  be_.gather_rows(out_h_.get(), x_.get(), b.output_rows, H);
  if (cfg_.family == Family::gpt2)
    be_.layer_norm(out_h_.get(), out_h_.get(), norm_w_.get(), norm_b_.get(), n_out, H,
                   static_cast<float>(cfg_.norm_eps));
  else
    be_.rms_norm(out_h_.get(), out_h_.get(), norm_w_.get(), n_out, H, static_cast<float>(cfg_.norm_eps));
  const float* head = lm_head_.get() ? lm_head_.get() : embed_.get();
  be_.linear(logits.get(), out_h_.get(), head, nullptr, n_out, H, Vp);
}

std::unique_ptr<Transformer> load_transformer(const std::string& model_dir, engine::Backend& backend) {
  ModelConfig cfg = load_model_config(model_dir + "/config.json");
  const auto weights = formats::SafetensorsCheckpoint::open_directory(model_dir);
  return std::make_unique<Transformer>(std::move(cfg), backend, weights);
}

}  // namespace lighteval::model
