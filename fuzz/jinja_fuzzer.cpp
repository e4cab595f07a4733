// libFuzzer target for the Jinja engine (template module): parse + render arbitrary template
// source against a chat-like context, and evaluate it as an expression. Every failure must be a
// lighteval::jinja::TemplateError; the engine's budgets (nesting, stack, steps, bytes) keep each
// input bounded in time and memory.
// fuzz-modules: template
#include <cstddef>
#include <cstdint>
#include <string>

#include "template/jinja.h"

namespace {
const lighteval::Json& context() {
  static const lighteval::Json ctx = lighteval::Json::parse(R"({
    "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "héllo {{x}}"},
                 {"role": "assistant", "content": " ok", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "n": 3, "f": 1.5, "none": null,
    "d": {"a": [1, 2, {"b": "c"}], "items": "shadow"}
  })");
  return ctx;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::uint8_t flags = size > 0 ? data[0] : 0;
  std::string source(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0);
  lighteval::jinja::Options options;
  options.trim_blocks = flags & 1;
  options.lstrip_blocks = flags & 2;
  options.keep_trailing_newline = flags & 4;
  options.now = 1721995200;
  try {
    if (flags & 8) {
      (void)lighteval::jinja::evaluate(source, context());
    } else {
      (void)lighteval::jinja::render(source, context(), options);
    }
  } catch (const lighteval::jinja::TemplateError&) {
  }
  return 0;
}
