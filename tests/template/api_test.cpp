// The public API around the renderer: evaluate() against jinja2's compile_expression (fixture),
// apply_chat_template's context (tools/documents = None, extra variables), and error reporting.
#include <gtest/gtest.h>

#include "common/test_support.h"
#include "template/jinja.h"

namespace {

using lighteval::Json;
namespace lt = lighteval::testing;
namespace jinja = lighteval::jinja;

TEST(JinjaEvaluate, MatchesJinja2CompileExpression) {
  Json refs = Json::parse(lt::read_file(lt::fixtures_dir() / "chat_templates" / "chat_template_refs.json"));
  ASSERT_FALSE(refs["expressions"].empty());
  for (const auto& e : refs["expressions"]) {
    const std::string expr = e["expression"];
    Json got = jinja::evaluate(expr, e["context"]);
    // Python floats that are whole numbers compare equal to ints in JSON terms; compare dumps.
    EXPECT_EQ(got.dump(), e["value"].dump()) << expr;
  }
}

TEST(JinjaChat, ToolsAndDocumentsAreNoneByDefault) {
  // transformers renders with tools=None and documents=None: defined, but none.
  const std::string t = "{{ tools is defined }} {{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}";
  EXPECT_EQ(jinja::apply_chat_template(t, Json::array(), true), "True True True True");
  Json extra = {{"tools", Json::array({Json{{"name", "f"}}})}};
  EXPECT_EQ(jinja::apply_chat_template("{{ tools[0].name }}", Json::array(), false, extra), "f");
}

TEST(JinjaChat, RejectsNonArrayMessages) {
  EXPECT_THROW(jinja::apply_chat_template("x", Json::object(), false), jinja::TemplateError);
}

TEST(JinjaErrors, SyntaxErrorsCarryLineAndColumn) {
  try {
    (void)jinja::Template::parse("line one\n{{ 1 + }}");
    FAIL() << "expected a TemplateError";
  } catch (const jinja::TemplateError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_GT(e.column(), 0);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_FALSE(e.raised_by_template());
    EXPECT_EQ(e.exit_code(), lighteval::kExitError);
  }
}

TEST(JinjaErrors, RenderErrorsNameTheLine) {
  try {
    (void)jinja::render("ok\n\n{{ missing.attr }}", Json::object());
    FAIL() << "expected a TemplateError";
  } catch (const jinja::TemplateError& e) {
    EXPECT_EQ(e.message(), "'missing' is undefined");
    EXPECT_EQ(e.line(), 3);
  }
}

TEST(JinjaErrors, RaiseExceptionKeepsTheMessageVerbatim) {
  try {
    (void)jinja::apply_chat_template("{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}",
                                     Json::array(), false);
    FAIL() << "expected a TemplateError";
  } catch (const jinja::TemplateError& e) {
    EXPECT_TRUE(e.raised_by_template());
    EXPECT_STREQ(e.what(), "Conversation roles must alternate user/assistant/user/assistant/...");
  }
}

TEST(JinjaLimits, RunawayTemplatesFailInsteadOfHanging) {
  // Each of these would run for a very long time or exhaust memory/stack without the budgets.
  const char* cases[] = {
      "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
      "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
      "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(0) }}",
      "{% set s = 'x' * 100000000 %}{% for i in range(100) %}{{ s }}{% endfor %}",
      "{{ range(1000000) | list }}",
  };
  for (const char* src : cases) EXPECT_THROW((void)jinja::render(src, Json::object()), jinja::TemplateError) << src;
  std::string deep(5000, '(');
  EXPECT_THROW((void)jinja::Template::parse("{{ " + deep + "1" + std::string(5000, ')') + " }}"), jinja::TemplateError);
  std::string chain = "{{ 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_THROW((void)jinja::Template::parse(chain + " }}"), jinja::TemplateError);
}

TEST(JinjaTemplate, ParsedTemplateRendersManyTimes) {
  auto t = jinja::Template::parse("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}");
  Json a = {{"messages", Json::array({Json{{"role", "user"}, {"content", "x"}}})}};
  EXPECT_EQ(t.render(a), "user:x;");
  EXPECT_EQ(t.render(Json::object()), "");
}

}  // namespace
