// The `%` string formatting operator against Python jinja2 3.1 / CPython (expected values below
// were produced by rendering the same templates with jinja2). Regression tests for what the jinja
// fuzz target found: a NUL byte in the spec reached snprintf as a truncated format (ASan CHECK),
// widths beyond a fixed 512-byte buffer were cut, and %d of a huge float was an undefined cast.
#include <gtest/gtest.h>

#include <string>

#include "template/jinja.h"

namespace {

namespace jinja = lighteval::jinja;

std::string render(const std::string& source) { return jinja::render(source, lighteval::Json::object()); }

TEST(PercentFormat, MatchesJinja2) {
  EXPECT_EQ(render("{{ '%5s|' % 'ab' }}"), "   ab|");
  EXPECT_EQ(render("{{ '%-6.2f|' % 3.14159 }}"), "3.14  |");
  EXPECT_EQ(render("{{ '%08.3f' % -3.5 }}"), "-003.500");
  EXPECT_EQ(render("{{ '%x|%o|%X' % (255, 8, 255) }}"), "ff|10|FF");
  EXPECT_EQ(render("{{ '%+d %i' % (5, -3) }}"), "+5 -3");
  EXPECT_EQ(render("{{ '%d' % 2.9 }}"), "2");
}

TEST(PercentFormat, WideOutputIsNotCut) {
  EXPECT_EQ(render("{{ ('%600d' % 7)|length }}"), "600");
  EXPECT_EQ(render("{{ ('%.300f' % 1.5)|length }}"), "302");
  EXPECT_EQ(render("{{ '%600d' % 7 }}"), std::string(599, ' ') + "7");
}

// jinja2 raises ValueError / TypeError for these; we raise TemplateError.
TEST(PercentFormat, InvalidSpecsAreErrors) {
  EXPECT_THROW(render(std::string("{{ '%\0d' % 1 }}", 15)), jinja::TemplateError);
  EXPECT_THROW(render("{{ '%1.2.3f' % 1.0 }}"), jinja::TemplateError);
  EXPECT_THROW(render("{{ '%x' % 1.5 }}"), jinja::TemplateError);
}

// Deliberate difference: CPython prints the exact big integer of 1e300; without big integers we
// give an error rather than a wrong number.
TEST(PercentFormat, HugeFloatForDIsAnError) {
  EXPECT_THROW(render("{{ '%d' % 1e300 }}"), jinja::TemplateError);
  EXPECT_THROW(render("{{ '%d' % 1e19 }}"), jinja::TemplateError);
  EXPECT_EQ(render("{{ '%d' % 1e18 }}"), "1000000000000000000");
}

}  // namespace
