#include "template/jinja.h"

#include "template/ast.h"
#include "template/interp.h"

namespace lighteval::jinja {

namespace {
std::string located(const std::string& message, int line, int column) {
  if (line <= 0) return message;
  return message + " (template line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
}
}  // namespace

TemplateError::TemplateError(const std::string& message, int line, int column)
    : lighteval::Error(located(message, line, column)),
      message_(message),
      line_(line < 0 ? 0 : line),
      column_(column < 0 ? 0 : column),
      raised_(line < 0) {}

Template Template::parse(const std::string& source, Options options) {
  Template t;
  t.program_ = detail::parse_program(source, options);
  t.options_ = options;
  return t;
}

std::string Template::render(const Json& context) const {
  if (!program_) throw TemplateError("render() called on an empty Template");
  if (!context.is_object() && !context.is_null())
    throw TemplateError("the template context must be a JSON object");
  detail::Interpreter in(options_, context);
  return in.render(*program_);
}

std::string render(const std::string& source, const Json& context, Options options) {
  return Template::parse(source, options).render(context);
}

Json evaluate(const std::string& expression, const Json& context) {
  auto expr = detail::parse_expression_source(expression);
  detail::Interpreter in(Options{}, context);
  return in.eval(*expr).to_json();
}

std::string apply_chat_template(const std::string& chat_template, const Json& messages,
                                bool add_generation_prompt, const Json& extra,
                                std::optional<std::int64_t> now) {
  if (!messages.is_array()) throw TemplateError("chat messages must be a JSON array of {role, content} objects");
  Options options;
  options.trim_blocks = true;
  options.lstrip_blocks = true;
  options.now = now;
  Json context = Json::object();
  context["messages"] = messages;
  // transformers always passes tools and documents (None unless given).
  context["tools"] = nullptr;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = add_generation_prompt;
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) context[it.key()] = it.value();
  return Template::parse(chat_template, options).render(context);
}

}  // namespace lighteval::jinja
