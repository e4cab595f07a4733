#include "pipeline/chat.h"

#include "util/error.h"
#include "util/log.h"

namespace lighteval::pipeline {

std::string strip_leading_bos(std::string rendered, const std::optional<std::string>& bos) {
  if (bos && !bos->empty() && rendered.compare(0, bos->size(), *bos) == 0) rendered.erase(0, bos->size());
  return rendered;
}

std::optional<std::string> end_of_turn_marker(const backends::Model& model) {
  // A probe no template rewrites (no surrounding blanks for |trim, no markup).
  static const std::string kAnswer = "lighteval-probe-answer";
  const Json messages = Json::array({Json{{"role", "user"}, {"content", "lighteval-probe-question"}},
                                     Json{{"role", "assistant"}, {"content", kAnswer}}});
  std::optional<std::string> rendered;
  try {
    rendered = model.apply_chat_template(messages, false);
  } catch (const Error& e) {
    log::warning("the chat template cannot render a user/assistant exchange ({}); generation stops on EOS only",
                 e.what());
    return std::nullopt;
  }
  if (!rendered) return std::nullopt;
  const size_t at = rendered->rfind(kAnswer);
  if (at == std::string::npos) return std::nullopt;
  const std::string after = rendered->substr(at + kAnswer.size());
  const char* blanks = " \t\r\n";
  const size_t start = after.find_first_not_of(blanks);
  if (start == std::string::npos) return std::nullopt;
  const size_t end = after.find_first_of(blanks, start);
  return after.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

tasks::ChatRenderer chat_renderer(const backends::Model& model) {
  const std::optional<std::string> bos = model.prepended_bos_token();
  return [&model, bos](const Json& messages) -> std::optional<std::string> {
    std::optional<std::string> rendered;
    try {
      rendered = model.apply_chat_template(messages, true);
    } catch (const Error& e) {
      // Typically raise_exception(...) in the template, e.g. Gemma's "System role not supported".
      const bool system = !messages.empty() && messages[0].value("role", "") == "system";
      throw Error(std::string("the model's chat template cannot render the prompt: ") + e.what() +
                  (system ? " (the prompt has a system turn because of --system_prompt; try without it)" : ""));
    }
    if (!rendered) return std::nullopt;
    return strip_leading_bos(std::move(*rendered), bos);
  };
}

std::vector<std::string> chat_stop_sequences(const std::optional<std::string>& end_of_turn) {
  if (!end_of_turn) return {};
  return {*end_of_turn};
}

}  // namespace lighteval::pipeline
