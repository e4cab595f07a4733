// One Jinja feature per case, expected outputs from Python jinja2 (see
// scripts/fixtures/make_chat_template_refs.py, "units"): "chat" cases use transformers' settings
// (trim_blocks, lstrip_blocks), "plain" cases jinja2's defaults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "common/test_support.h"
#include "template/jinja.h"

namespace {

using lighteval::Json;
namespace lt = lighteval::testing;
namespace jinja = lighteval::jinja;

class JinjaUnits : public ::testing::TestWithParam<std::string> {};

const Json& refs() {
  static const Json j = [] {
    setenv("TZ", "UTC", 1);
    tzset();
    return Json::parse(lt::read_file(lt::fixtures_dir() / "chat_templates" / "chat_template_refs.json"));
  }();
  return j;
}

TEST(JinjaUnits, AllCasesMatchJinja2) {
  size_t n = 0;
  for (const auto& u : refs()["units"]) {
    const std::string name = u["name"];
    jinja::Options opt;
    if (u["env"] == "chat") opt.trim_blocks = opt.lstrip_blocks = true;
    opt.now = refs()["now"].get<std::int64_t>();
    try {
      std::string got = jinja::render(u["template"].get<std::string>(), u["context"], opt);
      if (u.contains("expected")) EXPECT_EQ(got, u["expected"].get<std::string>()) << name;
      else ADD_FAILURE() << name << ": rendered '" << got << "' but jinja2 failed";
    } catch (const jinja::TemplateError& e) {
      if (u.contains("raised")) {
        EXPECT_TRUE(e.raised_by_template()) << name;
        EXPECT_EQ(e.message(), u["raised"].get<std::string>()) << name;
      } else if (!u.contains("error")) {
        ADD_FAILURE() << name << ": unexpected error: " << e.what();
      }
    }
    ++n;
  }
  EXPECT_GT(n, 50u);
}

}  // namespace
