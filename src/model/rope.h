// model/rope: RoPE inverse frequencies as transformers computes them (fp32), for the default,
// linear, dynamic (NTK) and llama3 rope types.
#pragma once

#include <vector>

#include "model/model_config.h"

namespace lighteval::model {

// inv_freq for rotary dim d = head_dim * partial_rotary_factor (d/2 values). `seq_len` matters only
// for dynamic scaling (the longest sequence in the batch).
std::vector<float> rope_inv_freq(const ModelConfig& config, int seq_len);

}  // namespace lighteval::model
