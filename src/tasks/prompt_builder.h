// tasks/prompt_builder: lighteval v0.5's PromptManager.get_examples: the full prompt of one doc
// from its few-shot examples. Plain text: system_prompt + instruction + "\n\n".join(shots +
// [query]) where a shot is its query (instruction removed) + its first gold choice. Chat: a
// message list (user shot / assistant target turns, then the user query; the instruction goes in
// a system message with the system prompt, else at the start of the first message).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/doc.h"
#include "util/json.h"

namespace lighteval::tasks {

std::string build_plain_prompt(const Doc& doc, const std::vector<const Doc*>& shots,
                               const std::optional<std::string>& system_prompt);
Json build_chat_messages(const Doc& doc, const std::vector<const Doc*>& shots,
                         const std::optional<std::string>& system_prompt);

}  // namespace lighteval::tasks
