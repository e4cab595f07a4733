// backends/bos_probe: the BOS text the native backend puts in front of every context it encodes
// (its tokenizer with add_special_tokens), read from the same tokenizer files it loads, and a
// Model decorator that reports it through Model::prepended_bos_token, so the pipeline can give
// chat-templated prompts one BOS instead of two. The factory uses both under --use_chat_template.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "backends/model.h"
#include "backends/model_config.h"

namespace lighteval::backends {

// nullopt when add_special_tokens is off, the tokenizer has no BOS, or encoding "" does not start
// with it (GPT-2, Qwen: nothing is prepended).
std::optional<std::string> native_prepended_bos(const NativeModelConfig& config);

// `inner` answering prepended_bos_token() with `bos`; every other call goes to `inner`.
std::unique_ptr<Model> with_prepended_bos(std::unique_ptr<Model> inner, std::optional<std::string> bos);

}  // namespace lighteval::backends
