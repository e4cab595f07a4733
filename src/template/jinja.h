// template/jinja: a Jinja2 engine of our own, enough for Hugging Face chat templates and the
// "{{ }}" fields of custom tasks. Output is meant to be byte-identical to Python's jinja2 (3.1)
// with the settings transformers uses for chat templates.
//
// Limits: no include/extends/block/import (templates are single strings), no autoescape, no
// i18n, no recursive for-loops; dict keys are strings; integers are 64-bit. Rendering is bounded
// (recursion depth, output size, loop iterations) so hostile templates fail with a TemplateError
// instead of hanging or exhausting memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "util/error.h"
#include "util/json.h"

namespace lighteval::jinja {

// A template that does not parse, or that fails while rendering (undefined attribute access,
// type errors, raise_exception(...) called by the template, limits exceeded).
class TemplateError : public lighteval::Error {
 public:
  // line/column are 1-based; 0 when unknown. A negative line marks an error raised by the
  // template itself (raise_exception): its message is kept verbatim and no location is added.
  explicit TemplateError(const std::string& message, int line = 0, int column = 0);
  // The message without the location suffix (for raise_exception: exactly the template's text).
  const std::string& message() const { return message_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // True when the template called raise_exception(message).
  bool raised_by_template() const { return raised_; }

 private:
  std::string message_;
  int line_;
  int column_;
  bool raised_;
};

struct Options {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
  bool keep_trailing_newline = false;
  // What strftime_now() sees as "now" (seconds since the epoch, rendered in local time); unset =
  // the real clock. Tests pin it so templates that print today's date are reproducible.
  std::optional<std::int64_t> now;
};

namespace detail {
struct Program;
}

class Template {
 public:
  // Throws TemplateError (with line/column) when the source does not parse.
  static Template parse(const std::string& source, Options options = {});
  // Renders with `context` (a JSON object) as the template's variables.
  std::string render(const Json& context) const;

 private:
  std::shared_ptr<const detail::Program> program_;
  Options options_;
};

// parse + render in one call.
std::string render(const std::string& source, const Json& context, Options options = {});

// Evaluates one Jinja expression (without the "{{ }}") to a native value, e.g. "choices.text"
// yields the list itself rather than its printed form. Undefined results become null.
Json evaluate(const std::string& expression, const Json& context);

// transformers' apply_chat_template: trim_blocks + lstrip_blocks + loopcontrols, globals
// raise_exception(msg) and strftime_now(fmt), variables messages, add_generation_prompt,
// tools=None and documents=None (as transformers passes them), and every key of `extra`
// (bos_token, eos_token, tools, enable_thinking, ...). `tojson` follows transformers
// (json.dumps with ensure_ascii=False, keys in insertion order).
std::string apply_chat_template(const std::string& chat_template, const Json& messages,
                                bool add_generation_prompt, const Json& extra = Json::object(),
                                std::optional<std::int64_t> now = std::nullopt);

}  // namespace lighteval::jinja
