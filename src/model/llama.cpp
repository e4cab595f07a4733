// The Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM): RMSNorm, rotate_half
// RoPE, grouped-query attention, SwiGLU MLP (gate and up stacked into one GEMM), optional q/k/v
// bias (Qwen2 always, Llama with attention_bias), tied or untied LM head.
#include <algorithm>
#include <cstring>

#include "model/transformer.h"
#include "util/error.h"

namespace lighteval::model {

using engine::DeviceBuffer;

void Transformer::load_llama() {
  const int64_t H = cfg_.hidden_size, I = cfg_.intermediate_size;
  const int64_t qd = static_cast<int64_t>(cfg_.n_heads) * cfg_.head_dim, kvd = kv_dim();
  prefix_ = "model.";
  embed_ = load_vocab_table("embed_tokens.weight", H);  // also the LM head when tied
  norm_w_ = load("norm.weight", {H});
  // An untied head needs lm_head.weight; a tied one uses the embeddings (transformers also ties
  // when the file has no lm_head at all).
  if (!cfg_.tie_word_embeddings || weights_->contains("lm_head.weight")) {
    if (!weights_->contains("lm_head.weight"))
      throw Error("tensor 'lm_head.weight' is missing from checkpoint " + weights_->label() +
                  " and tie_word_embeddings is false (the weights do not match config.json)");
    if (!cfg_.tie_word_embeddings) {
      lm_head_ = load_vocab_table("lm_head.weight", H);
    }
  }
  layers_.resize(cfg_.n_layers);
  for (int l = 0; l < cfg_.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    Layer& L = layers_[l];
    L.ln1_w = load(p + "input_layernorm.weight", {H});
    L.ln2_w = load(p + "post_attention_layernorm.weight", {H});
    L.wq = load_weight(p + "self_attn.q_proj.weight", {qd, H});
    L.wk = load_weight(p + "self_attn.k_proj.weight", {kvd, H});
    L.wv = load_weight(p + "self_attn.v_proj.weight", {kvd, H});
    L.wo = load_weight(p + "self_attn.o_proj.weight", {H, qd});
    if (cfg_.qkv_bias) {
      L.bq = load(p + "self_attn.q_proj.bias", {qd});
      L.bk = load(p + "self_attn.k_proj.bias", {kvd});
      L.bv = load(p + "self_attn.v_proj.bias", {kvd});
    }
    if (cfg_.o_bias) L.bo = load(p + "self_attn.o_proj.bias", {H});
    if (be_.device() == engine::Device::cpu) {  // straight into the stacked buffer: no host copies
      require(p + "mlp.gate_proj.weight", {I, H});
      require(p + "mlp.up_proj.weight", {I, H});
      L.w_up = DeviceBuffer(be_, static_cast<size_t>(2 * I * H));
      weights_->load_f32_into(resolve(p + "mlp.gate_proj.weight"), {I, H}, L.w_up.get());
      weights_->load_f32_into(resolve(p + "mlp.up_proj.weight"), {I, H}, L.w_up.get() + I * H);
      n_params_ += static_cast<size_t>(2 * I * H);
    } else {
      require(p + "mlp.gate_proj.weight", {I, H});
      require(p + "mlp.up_proj.weight", {I, H});
      L.w_up = DeviceBuffer::weight(be_, static_cast<size_t>(2 * I * H));
      load_weight_into(L.w_up.get(), 0, p + "mlp.gate_proj.weight", {I, H});
      load_weight_into(L.w_up.get(), static_cast<size_t>(I * H), p + "mlp.up_proj.weight", {I, H});
    }
    if (cfg_.mlp_bias) {
      const auto gb = weights_->load_f32(resolve(p + "mlp.gate_proj.bias"), {I});
      const auto ub = weights_->load_f32(resolve(p + "mlp.up_proj.bias"), {I});
      std::vector<float> b(gb);
      b.insert(b.end(), ub.begin(), ub.end());
      n_params_ += b.size();
      L.b_up = upload(b);
      L.b_down = load(p + "mlp.down_proj.bias", {H});
    }
    L.w_down = load_weight(p + "mlp.down_proj.weight", {H, I});
  }
}

void Transformer::llama_block(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m) {
  const Layer& L = layers_[l];
  const int H = cfg_.hidden_size, I = cfg_.intermediate_size;
  const float eps = static_cast<float>(cfg_.norm_eps);
  // Each sublayer's residual add is fused with the norm that follows it: the MLP's input norm, and
  // the next layer's input norm (after the last layer the final norm runs on the gathered rows).
  if (l == 0) be_.rms_norm(h_.get(), x_.get(), L.ln1_w.get(), m, H, eps);
  attention_sublayer(l, b, kv, m, /*rope=*/true, /*add_residual=*/false);
  be_.add_rms_norm(x_.get(), h_.get(), h_.get(), L.ln2_w.get(), m, H, eps);
  // Row chunks: each chunk's output overwrites only its own, already consumed, rows of h_.
  for (int r0 = 0; r0 < m; r0 += mlp_chunk_) {
    const int c = std::min(mlp_chunk_, m - r0);
    float* h = be_.activation_offset(h_.get(), static_cast<size_t>(r0) * H);
    be_.linear(mlp_.get(), h, L.w_up.get(), L.b_up.get(), c, H, 2 * I);
    be_.silu_mul(mlp2_.get(), mlp_.get(), c, I);
    be_.linear(h, mlp2_.get(), L.w_down.get(), L.b_down.get(), c, I, H);
  }
  if (l + 1 < cfg_.n_layers)
    be_.add_rms_norm(x_.get(), h_.get(), h_.get(), layers_[l + 1].ln1_w.get(), m, H, eps);
  else
    be_.add(x_.get(), h_.get(), static_cast<size_t>(m) * H);
}

}  // namespace lighteval::model
