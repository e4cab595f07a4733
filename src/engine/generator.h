// engine/generator: greedy decoding of several sequences together. Each sequence's prompt is
// prefilled in one packed forward; then every step feeds one token per live sequence, attending to
// its KV cache. A sequence ends at an EOS id, at max_new_tokens, or when `should_stop` (which the
// caller uses to check stop strings on decoded text) says so.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/language_model.h"

namespace lighteval::engine {

struct GenerateRequest {
  std::vector<int32_t> prompt;
  int max_new_tokens = 0;
};

struct GenerateOptions {
  std::vector<int32_t> eos_ids;  // generation ends after emitting one of these (it is kept)
  int max_batch_sequences = 16;
  int max_batch_tokens = 8192;   // KV rows per group of sequences
  // Called after each new token of request `index` with all its generated tokens so far.
  std::function<bool(size_t index, const std::vector<int32_t>& generated)> should_stop;
};

std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model, const std::vector<GenerateRequest>& requests,
                                                  const GenerateOptions& options);

}  // namespace lighteval::engine
