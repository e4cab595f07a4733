// tokenizer/components: the stages of a `tokenizers` pipeline as small polymorphic objects built
// from tokenizer.json: Normalizer, PreTokenizer, Model, PostProcessor, Decoder, and the Pattern
// (literal string or regex) several of them share. No offsets are tracked: lighteval needs ids.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/regex.h"
#include <nlohmann/json.hpp>

namespace lighteval::tokenizer {

// tokenizer.json is parsed into an unordered JSON value: its vocabularies have 10^5 keys, which
// the project's insertion-ordered Json would index in quadratic time.
using TJson = nlohmann::json;

// {"String": "..."} or {"Regex": "..."} (or a bare string, as some writers emit).
class Pattern {
 public:
  explicit Pattern(const TJson& j);
  // Non-overlapping matches, left to right, as byte ranges of `text`.
  void find_matches(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& s) const = 0;
};
std::unique_ptr<Normalizer> make_normalizer(const TJson& j);  // null JSON -> nullptr

// A piece of text between pre-tokenization steps. `at_origin`: the piece starts at offset 0 of
// the original input (Metaspace's prepend_scheme "first" needs it).
struct Piece {
  std::string text;
  bool at_origin = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const TJson& j);

// How a split keeps its delimiters (tokenizers' SplitDelimiterBehavior).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
// Splits `text` given its (match range, is_match) cover, as tokenizers' NormalizedString::split.
void split_by_matches(const std::string& text, const std::vector<std::pair<size_t, size_t>>& matches,
                      SplitBehavior behavior, bool invert, bool at_origin, std::vector<Piece>& out);

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of one pre-token (never empty).
  virtual void tokenize(std::string_view word, std::vector<int32_t>& out) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual const std::string* id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;  // number of ids the model defines (max id + 1)
};
std::unique_ptr<Model> make_model(const TJson& j);
// GPT-2-style files: vocab.json text and merges.txt text.
std::unique_ptr<Model> make_bpe_from_files(const std::string& vocab_json, const std::string& merges_txt);

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the special tokens of a single sequence (called only when add_special_tokens).
  virtual void process(std::vector<int32_t>& ids) const = 0;
};
// `token_to_id` resolves Roberta/Bert token names.
std::unique_ptr<PostProcessor> make_post_processor(const TJson& j);

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};
std::unique_ptr<Decoder> make_decoder(const TJson& j);

// Helpers shared by the component files.
const TJson& require(const TJson& j, const char* key, const char* where);
bool get_bool(const TJson& j, const char* key, bool fallback);
std::string get_string(const TJson& j, const char* key, const std::string& fallback);

}  // namespace lighteval::tokenizer
