// model/transformer: a decoder-only transformer on an engine::Backend, with the weights of one
// Hugging Face checkpoint. The per-family parts (weight names and layouts, the block) live in
// gpt2.cpp and llama.cpp; this holds what they share: buffers, the attention sublayer, the head.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/language_model.h"
#include "formats/safetensors.h"
#include "model/model_config.h"

namespace lighteval::model {

class Transformer final : public engine::LanguageModel {
 public:
  // Maps and converts the checkpoint's tensors; throws lighteval::Error for missing tensors or
  // shape mismatches (the message names the tensor and both shapes).
  Transformer(ModelConfig config, engine::Backend& backend, const formats::SafetensorsCheckpoint& weights);

  engine::Backend& backend() override { return be_; }
  int vocab_size() const override { return cfg_.vocab_size; }
  int n_layers() const override { return cfg_.n_layers; }
  int kv_dim() const override { return cfg_.n_kv_heads * cfg_.head_dim; }
  std::optional<int> position_limit() const override;
  void forward(const engine::ForwardBatch& batch, engine::KvCache& kv, engine::DeviceBuffer& logits) override;
  size_t activation_bytes_per_row() const override;
  // Activation bytes a forward of `rows` rows allocates (the MLP's buffers are per chunk, not per row).
  size_t activation_bytes(int rows) const;
  static constexpr int kMlpChunkRows = 512;

  const ModelConfig& config() const { return cfg_; }
  size_t parameter_count() const { return n_params_; }

  struct Layer {
    engine::DeviceBuffer ln1_w, ln1_b, ln2_w, ln2_b;
    engine::DeviceBuffer wq, bq, wk, bk, wv, bv, wo, bo;
    engine::DeviceBuffer w_up, b_up;  // GPT-2: c_fc [I,H]; Llama: gate and up stacked [2I,H]
    engine::DeviceBuffer w_down, b_down;
  };

  // Loading helpers for the family files: the tensor `name` (checked against `shape`) uploaded.
  engine::DeviceBuffer load(const std::string& name, const std::vector<int64_t>& shape);
  // Throws the checkpoint's missing-tensor / shape-mismatch error unless `name` is there with
  // `shape`. Call it before allocating anything sized from config.json: a corrupt config (say
  // vocab_size 16M x hidden_size 16M) must give that error, not a request for petabytes.
  void require(const std::string& name, const std::vector<int64_t>& shape) const;
  engine::DeviceBuffer load_optional(const std::string& name, const std::vector<int64_t>& shape);
  // A weight matrix (the `w` of a linear layer, or an embedding table): stored in the backend's
  // weight dtype (bf16/fp16 on CUDA when asked; fp32 on the CPU).
  engine::DeviceBuffer load_weight(const std::string& name, const std::vector<int64_t>& shape);
  // The same into elements [offset, offset + numel) of an existing weight buffer (a GPU backend).
  void load_weight_into(float* dst, size_t offset, const std::string& name, const std::vector<int64_t>& shape);
  // An embedding / LM head table [vocab_size, H] with its rows padded to head_rows() by zero rows
  // (the backend's vocab_multiple(); no padding on the CPU).
  engine::DeviceBuffer load_vocab_table(const std::string& name, int64_t hidden);
  // Rows of the LM head and width of a logits row: vocab_size rounded up to the backend's
  // vocab_multiple(). Columns past vocab_size are never read (Backend::set_logits_stride).
  int head_rows() const;
  // A Conv1D weight stored [in, out], uploaded transposed as an nn.Linear weight [out, in].
  engine::DeviceBuffer load_conv1d(const std::string& name, int64_t in, int64_t out);
  engine::DeviceBuffer upload(const std::vector<float>& host);
  engine::DeviceBuffer upload_weight(const std::vector<float>& host);

 private:
  // The forward's ops (forward() checks the batch and picks eager or graph mode).
  void run(const engine::ForwardBatch& b, engine::KvCache& kv, engine::DeviceBuffer& logits);
  void load_gpt2();
  void load_llama();
  void gpt2_block(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m);
  void llama_block(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m);
  // Leaves the sublayer's output in h_; adds it to x_ when add_residual (else the caller does).
  void attention_sublayer(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m, bool rope,
                          bool add_residual);
  std::string resolve(const std::string& name) const;
  int mlp_rows(int m) const;
  size_t mlp_width() const;  // floats per row of mlp_: I (GPT-2) or gate and up, 2I (Llama)

  ModelConfig cfg_;
  engine::Backend& be_;
  const formats::SafetensorsCheckpoint* weights_ = nullptr;  // only during construction
  // Rows per MLP chunk: kMlpChunkRows on the CPU (small buffers); unchunked on a GPU, where
  // bigger GEMMs run nearer the tensor cores' peak and memory is sized up front.
  int mlp_chunk_ = kMlpChunkRows;
  std::vector<float> staging_;  // host conversion buffer while loading onto a device
  std::string prefix_;                                       // "", "model." or "transformer."
  size_t n_params_ = 0;

  engine::DeviceBuffer embed_, pos_embed_, norm_w_, norm_b_, lm_head_;
  std::vector<Layer> layers_;
  engine::DeviceBuffer x_, h_, q_, k_, v_, att_, mlp_, mlp2_, out_h_;
  std::vector<float> inv_freq_;
  int inv_freq_len_ = -1;
};

// Loads config.json and the safetensors weights of a model directory onto `backend`.
std::unique_ptr<Transformer> load_transformer(const std::string& model_dir, engine::Backend& backend);

}  // namespace lighteval::model
