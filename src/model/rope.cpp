#include "model/rope.h"

#include <cmath>
#include <numbers>

namespace lighteval::model {

std::vector<float> rope_inv_freq(const ModelConfig& c, int seq_len) {
  const int d = static_cast<int>(c.head_dim * c.rope.partial_rotary_factor);
  double base = c.rope.theta;
  if (c.rope.type == "dynamic" && seq_len > c.max_position_embeddings) {
    const double f = c.rope.factor;
    base = base * std::pow(f * seq_len / c.max_position_embeddings - (f - 1), static_cast<double>(d) / (d - 2));
  }
  std::vector<float> inv(d / 2);
  const float fbase = static_cast<float>(base);
  for (int j = 0; j < d / 2; ++j) {
    // transformers: 1.0 / (base ** (arange(0, d, 2).float() / d)), all in fp32.
    const float e = static_cast<float>(2 * j) / static_cast<float>(d);
    inv[j] = 1.0f / std::pow(fbase, e);
  }
  if (c.rope.type == "linear") {
    for (auto& v : inv) v = v / static_cast<float>(c.rope.factor);
  } else if (c.rope.type == "llama3") {
    const float factor = static_cast<float>(c.rope.factor);
    const float lo = static_cast<float>(c.rope.low_freq_factor), hi = static_cast<float>(c.rope.high_freq_factor);
    const float old_len = static_cast<float>(c.rope.original_max_position_embeddings);
    const float low_wavelen = old_len / lo, high_wavelen = old_len / hi;
    for (auto& v : inv) {
      const float wavelen = 2.0f * std::numbers::pi_v<float> / v;
      const float scaled = wavelen > low_wavelen ? v / factor : v;
      if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
        const float s = (old_len / wavelen - lo) / (hi - lo);
        v = (1 - s) * scaled / factor + s * scaled;
      } else {
        v = scaled;
      }
    }
  }
  return inv;
}

}  // namespace lighteval::model
