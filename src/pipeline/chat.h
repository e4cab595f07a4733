// pipeline/chat: --use_chat_template with lighteval v0.5's semantics (research/lighteval.md §6.3)
// on top of the model's chat template: the message list the tasks module builds (few-shot
// examples as user/assistant turns, the system prompt + instruction as a system turn) is rendered
// with add_generation_prompt; a BOS the template writes is removed when the backend adds its own
// (one BOS, not v0.5's two); generation stops on EOS (the backend) and on the template's
// end-of-turn marker, and, as in v0.5, not on the task's stop sequences.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/model.h"
#include "tasks/prepare.h"

namespace lighteval::pipeline {

// `rendered` without one leading `bos` (when both are given and it starts with it).
std::string strip_leading_bos(std::string rendered, const std::optional<std::string>& bos);

// The text a chat template writes right after an assistant turn's content, up to the first
// whitespace ("<|eot_id|>", "<|im_end|>", "</s>", "<end_of_turn>", ...), found by rendering a
// probe conversation; nullopt when the template writes nothing there or cannot render it.
std::optional<std::string> end_of_turn_marker(const backends::Model& model);

// The renderer prepare_task calls: the model's template with add_generation_prompt, leading BOS
// removed as above. Returns nullopt when the model has no chat template.
tasks::ChatRenderer chat_renderer(const backends::Model& model);

// Stop sequences of a generation request under the chat template: the end-of-turn marker (EOS is
// always a stop for the backends).
std::vector<std::string> chat_stop_sequences(const std::optional<std::string>& end_of_turn);

}  // namespace lighteval::pipeline
