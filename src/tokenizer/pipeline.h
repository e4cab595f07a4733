// tokenizer/pipeline: the encode/decode engines behind Tokenizer. HfPipeline runs a
// tokenizer.json (added tokens, normalizer, pre-tokenizer, model, post-processor, decoder);
// SentencePiecePipeline wraps libsentencepiece for a bare tokenizer.model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lighteval::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = -1;  // -1: look up or append
  bool special = false, normalized = true, lstrip = false, rstrip = false, single_word = false;
};

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  // `text` is valid UTF-8.
  virtual void encode(std::string_view text, bool add_special_tokens, std::vector<int32_t>& out) const = 0;
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual bool is_special(int32_t id) const = 0;
  // Registers tokens declared by tokenizer_config.json that the pipeline lacks (transformers does).
  virtual void add_tokens(const std::vector<AddedToken>& tokens) = 0;
  // transformers' Llama/Gemma classes rebuild the post-processor as [bos] $A [eos] from
  // add_bos_token/add_eos_token; nullopt leaves that side out.
  virtual void set_bos_eos(std::optional<int32_t> bos, std::optional<int32_t> eos) = 0;
};

std::unique_ptr<Pipeline> make_hf_pipeline(const nlohmann::json& tokenizer_json);
// GPT-2 byte-level BPE from vocab.json + merges.txt (what transformers' converter builds).
std::unique_ptr<Pipeline> make_gpt2_pipeline(const std::string& vocab_json, const std::string& merges_txt,
                                             bool add_prefix_space);
std::unique_ptr<Pipeline> make_sentencepiece_pipeline(const std::string& model_proto);

}  // namespace lighteval::tokenizer
