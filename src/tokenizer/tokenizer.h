// tokenizer: Hugging Face-compatible text <-> token ids for causal LMs.
//
// Loads a model directory the way transformers' AutoTokenizer does: tokenizer.json (the full
// `tokenizers` pipeline: added tokens, normalizer, pre-tokenizer, BPE/Unigram/WordPiece model,
// post-processor, decoder), else tokenizer.model (SentencePiece), else GPT-2-style vocab.json +
// merges.txt; plus tokenizer_config.json, special_tokens_map.json, generation_config.json and
// config.json for special tokens, BOS/EOS rules, model_max_length and chat templates.
//
// Limits: no offsets, truncation or padding (callers handle lengths); BPE dropout is ignored (it is
// a training-time option, null in every released tokenizer). Input text is UTF-8; invalid bytes are
// replaced by U+FFFD before encoding, which is what HF gives for bytes decoded with
// errors="replace" (Python str cannot hold invalid UTF-8).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"

namespace lighteval::tokenizer {

class Pipeline;  // the encode/decode engine (tokenizer.json pipeline or SentencePiece)

class Tokenizer {
 public:
  // A directory holding tokenizer.json (or tokenizer.model, or vocab.json + merges.txt) and
  // optionally tokenizer_config.json, special_tokens_map.json, generation_config.json, config.json.
  // Throws lighteval::Error with a one-line message when files are missing or malformed.
  static std::unique_ptr<Tokenizer> from_directory(const std::filesystem::path& dir);
  // Builds from the text of a tokenizer.json alone (no companion files).
  static std::unique_ptr<Tokenizer> from_json_string(std::string_view tokenizer_json);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens = true,
                                                 int num_threads = 0) const;  // 0 = all cores
  // Ids with no token are skipped, as HF tokenizers does.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  std::optional<int32_t> bos_token_id() const;
  std::optional<int32_t> eos_token_id() const;
  std::optional<int32_t> pad_token_id() const;
  std::optional<int32_t> unk_token_id() const;
  std::optional<std::string> bos_token() const;
  std::optional<std::string> eos_token() const;
  std::optional<std::string> pad_token() const;
  std::optional<std::string> unk_token() const;
  // eos plus generation_config.json's and config.json's eos_token_id (int or list), deduplicated,
  // tokenizer eos first.
  std::vector<int32_t> eos_token_ids() const;
  std::optional<int64_t> model_max_length() const;  // nullopt for the "no limit" sentinel (1e30)
  bool clean_up_tokenization_spaces() const;
  // The chat template by name ("default" = the single template or the one named "default").
  std::optional<std::string> chat_template(const std::string& name = "default") const;
  // Renders the default chat template (Jinja, src/template). Error if the tokenizer has none.
  std::string apply_chat_template(const Json& messages, bool add_generation_prompt) const;

  size_t vocab_size() const;  // incl. added tokens
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;  // "" when out of range
  bool is_special_id(int32_t id) const;

  struct Config;  // companion-file settings (tokenizer.cpp)

 private:
  Tokenizer();
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Config> config_;
};

}  // namespace lighteval::tokenizer
