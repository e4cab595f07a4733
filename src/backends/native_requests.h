// backends/native_requests: how the native backend turns lighteval requests into token sequences
// (lighteval v0.5 semantics, research/lighteval.md §4.2-4.4), kept apart from the model so they
// can be tested without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <optional>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lighteval::backends {

// The BOS text encoding puts in front of every context (Model::prepended_bos_token): nullopt when
// add_special_tokens is off, the tokenizer has no BOS, or encoding "" does not start with it
// (GPT-2, Qwen: nothing is prepended). The pipeline uses it to give chat-templated prompts one BOS.
std::optional<std::string> prepended_bos(const tokenizer::Tokenizer& tok, bool add_special_tokens);

// Number of trailing bytes of `s` that Python's str.rstrip() would remove (Unicode whitespace,
// UTF-8 encoded).
size_t trailing_whitespace_bytes(std::string_view s);

// lm-eval's rolling loglikelihood windows (get_rolling_token_windows with context_len 1, then
// make_disjoint_window): each window is (input tokens fed, number of trailing input positions
// scored); the scored targets are the window's last `n` tokens of `tokens`. `prefix` (EOS) starts
// the first window. Every token of `tokens` is scored exactly once.
struct RollingWindow {
  std::vector<int32_t> input;
  std::vector<int32_t> targets;
};
std::vector<RollingWindow> rolling_windows(const std::vector<int32_t>& tokens, int32_t prefix, int max_length);

// multichoice_continuations_start_space: true -> ensure a leading space, false -> strip leading
// whitespace, unset -> unchanged.
std::string apply_start_space(const std::string& choice, int mode /* -1 unset, 0 false, 1 true */);

}  // namespace lighteval::backends
