// backends/model: the one interface between the evaluation pipeline and anything that scores or
// generates text (the native engine, the dummy model). Requests carry text; each backend does its
// own tokenization the way lighteval v0.5 does (research/lighteval.md §4.2-4.4) and reports the
// tokens it used so the details files can record them. Responses come back in request order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::backends {

using TokenIds = std::vector<int32_t>;

// loglikelihood: log P(continuation | context). The backend moves the context's trailing
// whitespace to the continuation before tokenizing (lighteval's tok_encode_pair).
struct LoglikelihoodRequest {
  std::string context;
  std::string continuation;
};
struct LoglikelihoodResponse {
  double logprob = 0.0;  // sum over the continuation tokens
  bool is_greedy = false;  // every continuation token is the argmax
  TokenIds input_tokens;  // context tokens fed to the model (after truncation)
  TokenIds continuation_tokens;
  int truncated_tokens = 0;
  int padded_tokens = 0;
};

// loglikelihood_single_token: one forward over the context; the log-prob of each choice's single
// token at the last position (choices must each be one token).
struct SingleTokenRequest {
  std::string context;
  std::vector<std::string> choices;
};
struct SingleTokenResponse {
  std::vector<double> logprobs;  // one per choice
  TokenIds input_tokens;
  TokenIds choice_tokens;
  int truncated_tokens = 0;
  int padded_tokens = 0;
};

// loglikelihood_rolling: log-prob of a whole text (perplexity tasks).
struct RollingRequest {
  std::string text;
};
struct RollingResponse {
  double logprob = 0.0;
  TokenIds tokens;
  int truncated_tokens = 0;
  int padded_tokens = 0;
};

// greedy_until: greedy decoding until a stop sequence, EOS or the size limit.
struct GenerationRequest {
  std::string context;
  std::vector<std::string> stop_sequences;
  std::optional<int> generation_size;  // max new tokens; nullopt = the backend's max_gen_toks
  int num_samples = 1;
};
struct GenerationResponse {
  std::vector<std::string> texts;  // num_samples texts, stop sequence and what follows removed
  TokenIds input_tokens;
  std::vector<TokenIds> output_tokens;
  int truncated_tokens = 0;
  int padded_tokens = 0;
};

// What the results file's config_general says about the model.
struct ModelInfo {
  std::string model_name;  // as in results/{model_name}/
  std::string model_sha;
  std::string model_dtype;
  std::string model_size;
};

class Model {
 public:
  virtual ~Model() = default;

  virtual ModelInfo info() const = 0;

  virtual std::vector<LoglikelihoodResponse> loglikelihood(
      std::span<const LoglikelihoodRequest> requests) = 0;
  virtual std::vector<SingleTokenResponse> loglikelihood_single_token(
      std::span<const SingleTokenRequest> requests) = 0;
  virtual std::vector<RollingResponse> loglikelihood_rolling(std::span<const RollingRequest> requests) = 0;
  virtual std::vector<GenerationResponse> greedy_until(std::span<const GenerationRequest> requests) = 0;

  // Number of tokens of a text as the model's tokenizer counts it (with special tokens), for
  // few-shot truncation. nullopt when the backend has no tokenizer.
  virtual std::optional<size_t> count_tokens(const std::string& text) const { return std::nullopt; }
  // Maximum sequence length (context + generation), for few-shot truncation.
  virtual std::optional<int> max_length() const { return std::nullopt; }
  // The tokenizer's chat template rendered over `messages` (a JSON list of {role, content}), for
  // --use_chat_template. nullopt when the model has no chat template.
  virtual std::optional<std::string> apply_chat_template(const Json& messages,
                                                         bool add_generation_prompt) const {
    return std::nullopt;
  }
  // The text of the BOS token this backend puts in front of every context it encodes
  // (add_special_tokens), or nullopt when it puts none. Chat templates such as Llama 2's and
  // Llama 3's write bos_token themselves; the pipeline removes it from the start of such prompts
  // so the model sees one BOS, not the two lighteval v0.5 gave (docs/compatibility.md).
  virtual std::optional<std::string> prepended_bos_token() const { return std::nullopt; }
};

}  // namespace lighteval::backends
