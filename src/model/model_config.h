// model/model_config: the architecture description read from a Hugging Face config.json. Supports
// GPT2LMHeadModel and the Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM),
// with transformers 4's rope_theta/rope_scaling and transformers 5's rope_parameters. Anything else
// is a clear lighteval::Error naming the supported architectures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::model {

enum class Family { gpt2, llama };

struct RopeConfig {
  std::string type = "default";  // default | linear | dynamic | llama3
  double theta = 10000.0;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 0;
  double partial_rotary_factor = 1.0;
};

struct ModelConfig {
  std::string architecture;  // as in config.json
  Family family = Family::llama;
  int vocab_size = 0;
  int hidden_size = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  double norm_eps = 1e-5;
  std::string activation;  // gelu_new, gelu, silu, relu, ...
  bool tie_word_embeddings = false;
  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  std::optional<int> sliding_window;  // only when the architecture applies it
  RopeConfig rope;
  std::vector<int> eos_token_ids;
  std::optional<int> bos_token_id;
  std::string dtype;  // torch_dtype / dtype, "" when absent
};

std::vector<std::string> supported_architectures();

// Parses config.json's content; `where` names the file in error messages.
ModelConfig parse_model_config(const Json& config, const std::string& where);
ModelConfig load_model_config(const std::string& config_json_path);

}  // namespace lighteval::model
