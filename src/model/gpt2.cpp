// GPT2LMHeadModel: learned positions, pre-LayerNorm blocks, Conv1D weights stored [in, out]
// (transposed once here into nn.Linear layout), fused c_attn split into q, k, v, gelu_new MLP, LM
// head tied to wte unless the checkpoint has lm_head.weight and tie_word_embeddings is false.
#include <algorithm>

#include "model/transformer.h"
#include "util/error.h"

namespace lighteval::model {

using engine::DeviceBuffer;

void Transformer::load_gpt2() {
  const int64_t H = cfg_.hidden_size, I = cfg_.intermediate_size;
  prefix_ = weights_->contains("transformer.wte.weight") ? "transformer." : "";
  embed_ = load_vocab_table("wte.weight", H);  // also the LM head when tied
  pos_embed_ = load("wpe.weight", {cfg_.max_position_embeddings, H});
  norm_w_ = load("ln_f.weight", {H});
  norm_b_ = load("ln_f.bias", {H});
  if (!cfg_.tie_word_embeddings) {
    if (!weights_->contains("lm_head.weight"))
      throw Error("tie_word_embeddings is false but lm_head.weight is missing from " + weights_->label());
    lm_head_ = load_vocab_table("lm_head.weight", H);
  }
  layers_.resize(cfg_.n_layers);
  for (int l = 0; l < cfg_.n_layers; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    Layer& L = layers_[l];
    L.ln1_w = load(p + "ln_1.weight", {H});
    L.ln1_b = load(p + "ln_1.bias", {H});
    L.ln2_w = load(p + "ln_2.weight", {H});
    L.ln2_b = load(p + "ln_2.bias", {H});
    // c_attn [H, 3H] as Conv1D: columns [0,H) are q, [H,2H) k, [2H,3H) v. Transposed it is
    // [3H, H] with q, k, v as consecutive row blocks.
    const auto attn = weights_->load_f32(resolve(p + "attn.c_attn.weight"), {H, 3 * H});
    const auto attn_b = weights_->load_f32(resolve(p + "attn.c_attn.bias"), {3 * H});
    n_params_ += attn.size() + attn_b.size();
    std::vector<float> w(H * H), bias(H);
    DeviceBuffer* ws[3] = {&L.wq, &L.wk, &L.wv};
    DeviceBuffer* bs[3] = {&L.bq, &L.bk, &L.bv};
    for (int part = 0; part < 3; ++part) {
      for (int64_t i = 0; i < H; ++i)
        for (int64_t o = 0; o < H; ++o) w[o * H + i] = attn[i * 3 * H + part * H + o];
      for (int64_t o = 0; o < H; ++o) bias[o] = attn_b[part * H + o];
      *ws[part] = upload_weight(w);
      *bs[part] = upload(bias);
    }
    L.wo = load_conv1d(p + "attn.c_proj.weight", H, H);
    L.bo = load(p + "attn.c_proj.bias", {H});
    L.w_up = load_conv1d(p + "mlp.c_fc.weight", H, I);
    L.b_up = load(p + "mlp.c_fc.bias", {I});
    L.w_down = load_conv1d(p + "mlp.c_proj.weight", I, H);
    L.b_down = load(p + "mlp.c_proj.bias", {H});
  }
}

void Transformer::gpt2_block(int l, const engine::ForwardBatch& b, engine::KvCache& kv, int m) {
  const Layer& L = layers_[l];
  const int H = cfg_.hidden_size, I = cfg_.intermediate_size;
  const float eps = static_cast<float>(cfg_.norm_eps);
  be_.layer_norm(h_.get(), x_.get(), L.ln1_w.get(), L.ln1_b.get(), m, H, eps);
  attention_sublayer(l, b, kv, m, /*rope=*/false, /*add_residual=*/true);
  be_.layer_norm(h_.get(), x_.get(), L.ln2_w.get(), L.ln2_b.get(), m, H, eps);
  // Row chunks: each chunk's output overwrites only its own, already consumed, rows of h_.
  for (int r0 = 0; r0 < m; r0 += mlp_chunk_) {
    const int c = std::min(mlp_chunk_, m - r0);
    float* h = be_.activation_offset(h_.get(), static_cast<size_t>(r0) * H);
    be_.linear(mlp_.get(), h, L.w_up.get(), L.b_up.get(), c, H, I);
    const size_t n = static_cast<size_t>(c) * I;
    if (cfg_.activation == "gelu")
      be_.gelu_erf(mlp_.get(), n);
    else if (cfg_.activation == "relu")
      be_.relu(mlp_.get(), n);
    else
      be_.gelu_tanh(mlp_.get(), n);
    be_.linear(h, mlp_.get(), L.w_down.get(), L.b_down.get(), c, I, H);
  }
  be_.add(x_.get(), h_.get(), static_cast<size_t>(m) * H);
}

}  // namespace lighteval::model
