#include "model/model_config.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace lighteval::model {
namespace {

const Json* get(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

struct Reader {
  const Json& j;
  std::string where;

  int get_int(const char* key, std::optional<int> fallback = std::nullopt, int max_value = 1 << 24) const {
    const Json* v = get(j, key);
    if (!v) {
      if (fallback) return *fallback;
      throw Error(where + " has no \"" + std::string(key) + "\" (is it a causal LM config.json?)");
    }
    if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > max_value)
      throw Error(where + ": \"" + std::string(key) + "\" must be a positive integer (at most " +
                  std::to_string(max_value) + ")");
    return static_cast<int>(v->get<int64_t>());
  }
  double get_double(const Json& obj, const char* key, double fallback) const {
    const Json* v = get(obj, key);
    if (!v) return fallback;
    if (!v->is_number()) throw Error(where + ": \"" + std::string(key) + "\" must be a number");
    return v->get<double>();
  }
  bool get_bool(const char* key, bool fallback) const {
    const Json* v = get(j, key);
    if (!v) return fallback;
    if (!v->is_boolean()) throw Error(where + ": \"" + std::string(key) + "\" must be true or false");
    return v->get<bool>();
  }
  std::string get_string(const char* key, const std::string& fallback) const {
    const Json* v = get(j, key);
    if (!v) return fallback;
    if (!v->is_string()) throw Error(where + ": \"" + std::string(key) + "\" must be a string");
    return v->get<std::string>();
  }
};

std::string supported_list() {
  std::string s;
  for (const auto& a : supported_architectures()) s += (s.empty() ? "" : ", ") + a;
  return s;
}

void read_rope(const Reader& r, ModelConfig& c) {
  // transformers 5: rope_parameters holds everything; transformers 4: rope_theta + rope_scaling.
  const Json* params = get(r.j, "rope_parameters");
  const Json* scaling = params ? params : get(r.j, "rope_scaling");
  c.rope.theta = r.get_double(r.j, "rope_theta", 10000.0);
  c.rope.partial_rotary_factor = r.get_double(r.j, "partial_rotary_factor", 1.0);
  if (scaling) {
    if (!scaling->is_object()) throw Error(r.where + ": rope_scaling / rope_parameters must be an object");
    if (params) c.rope.theta = r.get_double(*scaling, "rope_theta", c.rope.theta);
    c.rope.partial_rotary_factor = r.get_double(*scaling, "partial_rotary_factor", c.rope.partial_rotary_factor);
    std::string type = "default";
    for (const char* key : {"rope_type", "type"}) {
      const Json* t = get(*scaling, key);
      if (t) {
        if (!t->is_string()) throw Error(r.where + ": rope type must be a string");
        type = t->get<std::string>();
        break;
      }
    }
    if (type != "default" && type != "linear" && type != "dynamic" && type != "llama3")
      throw Error(r.where + ": RoPE scaling type '" + type +
                  "' is not supported yet (supported: default, linear, dynamic, llama3)");
    c.rope.type = type;
    c.rope.factor = r.get_double(*scaling, "factor", 1.0);
    c.rope.low_freq_factor = r.get_double(*scaling, "low_freq_factor", 1.0);
    c.rope.high_freq_factor = r.get_double(*scaling, "high_freq_factor", 4.0);
    const double orig = r.get_double(*scaling, "original_max_position_embeddings", c.max_position_embeddings);
    // Range-checked before the cast: a double outside int's range makes static_cast undefined.
    if (!(orig >= 0 && orig <= (1 << 30)))
      throw Error(r.where + ": original_max_position_embeddings must be between 0 and 2^30");
    c.rope.original_max_position_embeddings = static_cast<int>(orig);
    if (type != "default" && !(c.rope.factor > 0)) throw Error(r.where + ": RoPE scaling factor must be positive");
    if (type == "llama3" && (!(c.rope.high_freq_factor > c.rope.low_freq_factor) || !(orig > 0) ||
                             !(c.rope.low_freq_factor > 0)))
      throw Error(r.where + ": llama3 RoPE scaling needs high_freq_factor > low_freq_factor > 0 and "
                            "original_max_position_embeddings > 0");
  }
  if (!(c.rope.theta > 0)) throw Error(r.where + ": rope_theta must be positive");
  if (!(c.rope.partial_rotary_factor > 0 && c.rope.partial_rotary_factor <= 1))
    throw Error(r.where + ": partial_rotary_factor must be in (0, 1]");
}

}  // namespace

std::vector<std::string> supported_architectures() {
  return {"GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"};
}

ModelConfig parse_model_config(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + " is not a JSON object");
  const Json* arch = get(j, "architectures");
  if (!arch || !arch->is_array() || arch->empty() || !(*arch)[0].is_string())
    throw Error(where + " has no \"architectures\" list, so the model type is unknown (supported: " +
                supported_list() + ")");
  ModelConfig c;
  c.architecture = (*arch)[0].get<std::string>();
  const Reader r{j, where};
  if (c.architecture == "GPT2LMHeadModel") {
    c.family = Family::gpt2;
    c.vocab_size = r.get_int("vocab_size");
    c.hidden_size = r.get_int("n_embd");
    c.n_layers = r.get_int("n_layer", std::nullopt, 4096);
    c.n_heads = r.get_int("n_head");
    c.n_kv_heads = c.n_heads;
    c.intermediate_size = r.get_int("n_inner", 4 * c.hidden_size);
    c.max_position_embeddings = r.get_int("n_positions");
    c.norm_eps = r.get_double(j, "layer_norm_epsilon", 1e-5);
    c.activation = r.get_string("activation_function", "gelu_new");
    c.tie_word_embeddings = r.get_bool("tie_word_embeddings", true);
    c.qkv_bias = c.o_bias = c.mlp_bias = true;
    if (r.get_bool("scale_attn_by_inverse_layer_idx", false))
      throw Error(where + ": scale_attn_by_inverse_layer_idx=true is not supported");
    if (!r.get_bool("scale_attn_weights", true)) throw Error(where + ": scale_attn_weights=false is not supported");
    if (c.hidden_size % c.n_heads) throw Error(where + ": n_embd is not a multiple of n_head");
    c.head_dim = c.hidden_size / c.n_heads;
  } else if (c.architecture == "LlamaForCausalLM" || c.architecture == "MistralForCausalLM" ||
             c.architecture == "Qwen2ForCausalLM") {
    c.family = Family::llama;
    c.vocab_size = r.get_int("vocab_size");
    c.hidden_size = r.get_int("hidden_size");
    c.n_layers = r.get_int("num_hidden_layers", std::nullopt, 4096);
    c.n_heads = r.get_int("num_attention_heads");
    c.n_kv_heads = r.get_int("num_key_value_heads", c.n_heads);
    if (c.n_heads % c.n_kv_heads) throw Error(where + ": num_attention_heads is not a multiple of num_key_value_heads");
    if (!get(j, "head_dim") && c.hidden_size % c.n_heads)
      throw Error(where + ": hidden_size is not a multiple of num_attention_heads");
    c.head_dim = r.get_int("head_dim", c.hidden_size / c.n_heads);
    c.intermediate_size = r.get_int("intermediate_size");
    c.max_position_embeddings = r.get_int("max_position_embeddings", 2048, 1 << 30);
    c.norm_eps = r.get_double(j, "rms_norm_eps", 1e-6);
    c.activation = r.get_string("hidden_act", "silu");
    c.tie_word_embeddings = r.get_bool("tie_word_embeddings", false);
    if (c.architecture == "Qwen2ForCausalLM") {
      c.qkv_bias = true;
      if (r.get_bool("use_sliding_window", false))
        throw Error(where + ": use_sliding_window=true (Qwen2 sliding-window attention) is not supported yet");
    } else {
      c.qkv_bias = c.o_bias = r.get_bool("attention_bias", false);
      c.mlp_bias = r.get_bool("mlp_bias", false);
    }
    if (c.architecture == "MistralForCausalLM" && get(j, "sliding_window"))
      c.sliding_window = r.get_int("sliding_window", std::nullopt, 1 << 30);
    if (c.activation != "silu" && c.activation != "swish")
      throw Error(where + ": hidden_act '" + c.activation + "' is not supported for " + c.architecture + " (silu only)");
    read_rope(r, c);
    if (c.rope.type == "llama3" && c.rope.original_max_position_embeddings <= 0)
      throw Error(where + ": llama3 RoPE scaling needs original_max_position_embeddings");
    if ((static_cast<int>(c.head_dim * c.rope.partial_rotary_factor) % 2) != 0 ||
        static_cast<int>(c.head_dim * c.rope.partial_rotary_factor) == 0)
      throw Error(where + ": the rotary dimension must be even and non-zero");
  } else {
    std::string hint;
    if (get(j, "auto_map"))
      hint = "; this model needs custom Python code (auto_map / trust_remote_code), which lighteval-cpp never runs";
    throw Error("architecture '" + c.architecture + "' in " + where + " is not supported (supported: " +
                supported_list() + ")" + hint);
  }
  if (c.activation != "gelu_new" && c.activation != "gelu_pytorch_tanh" && c.activation != "gelu" &&
      c.activation != "relu" && c.activation != "silu" && c.activation != "swish")
    throw Error(where + ": activation '" + c.activation + "' is not supported");
  if (static_cast<int64_t>(c.n_heads) * c.head_dim > (1 << 24))
    throw Error(where + ": attention size is implausibly large");
  for (const char* key : {"eos_token_id"}) {
    const Json* v = get(j, key);
    if (v && v->is_number_integer()) c.eos_token_ids.push_back(v->get<int>());
    if (v && v->is_array())
      for (const auto& e : *v)
        if (e.is_number_integer()) c.eos_token_ids.push_back(e.get<int>());
  }
  if (const Json* v = get(j, "bos_token_id"); v && v->is_number_integer()) c.bos_token_id = v->get<int>();
  c.dtype = r.get_string("torch_dtype", r.get_string("dtype", ""));
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path + " (is this a model directory?)");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j;
  try {
    j = Json::parse(ss.str());
  } catch (const std::exception&) {
    throw Error(path + " is not valid JSON (re-download the model)");
  }
  return parse_model_config(j, path);
}

}  // namespace lighteval::model
