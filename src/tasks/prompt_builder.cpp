#include "tasks/prompt_builder.h"

#include "util/error.h"

namespace lighteval::tasks {

namespace {

std::string first_gold(const Doc& d) {
  auto golds = d.get_golds();
  if (golds.empty()) {
    throw Error("task " + d.task_name + ": a few-shot example has no gold answer to show as its target");
  }
  return golds.front();
}

}  // namespace

std::string build_plain_prompt(const Doc& doc, const std::vector<const Doc*>& shots,
                               const std::optional<std::string>& system_prompt) {
  std::string example = doc.query_without_instruction();
  std::string output = system_prompt.value_or("") + doc.instruction;
  for (const Doc* s : shots) output += s->query_without_instruction() + first_gold(*s) + "\n\n";
  output += example;
  if (output == "\n\n") return "";
  return output;
}

Json build_chat_messages(const Doc& doc, const std::vector<const Doc*>& shots,
                         const std::optional<std::string>& system_prompt) {
  Json messages = Json::array();
  for (const Doc* s : shots) {
    messages.push_back(Json{{"role", "user"}, {"content", s->query_without_instruction()}});
    messages.push_back(Json{{"role", "assistant"}, {"content", first_gold(*s)}});
  }
  messages.push_back(Json{{"role", "user"}, {"content", doc.query_without_instruction()}});
  if (system_prompt) {
    messages.insert(messages.begin(), Json{{"role", "system"}, {"content", *system_prompt + doc.instruction}});
  } else {
    messages[0]["content"] = doc.instruction + messages[0]["content"].get<std::string>();
  }
  return messages;
}

}  // namespace lighteval::tasks
