// Every real chat template in ../shared/assets/chat-templates rendered over the fixture's
// conversations must equal Python jinja2's output byte for byte (the fixture is made by
// scripts/fixtures/make_chat_template_refs.py with transformers' chat-template environment).
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>

#include "common/test_support.h"
#include "template/jinja.h"

namespace {

using lighteval::Json;
namespace lt = lighteval::testing;
namespace jinja = lighteval::jinja;

Json load_refs() {
  // strftime_now renders local time; the references were made in UTC.
  setenv("TZ", "UTC", 1);
  tzset();
  return Json::parse(lt::read_file(lt::fixtures_dir() / "chat_templates" / "chat_template_refs.json"));
}

TEST(ChatTemplates, EveryTemplateMatchesJinja2) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json refs = load_refs();
  const std::int64_t now = refs["now"].get<std::int64_t>();
  size_t checked = 0;
  ASSERT_EQ(refs["templates"].size(), 30u);
  for (const auto& t : refs["templates"]) {
    const std::string file = t["file"];
    const std::string source = lt::read_file(lt::assets_dir() / "chat-templates" / file);
    for (const auto& c : t["cases"]) {
      const std::string label = file + " / " + c["conversation"].get<std::string>() +
                                (c["add_generation_prompt"].get<bool>() ? " +gen" : "") +
                                (c["extra"].contains("tools") ? " +tools" : "");
      const Json& messages = refs["conversations"][c["conversation"].get<std::string>()];
      try {
        std::string got = jinja::apply_chat_template(source, messages, c["add_generation_prompt"], c["extra"], now);
        if (c.contains("expected")) {
          EXPECT_EQ(got, c["expected"].get<std::string>()) << label;
        } else {
          ADD_FAILURE() << label << ": rendered but jinja2 failed with "
                        << (c.contains("raised") ? c["raised"] : c["error"]).get<std::string>();
        }
      } catch (const jinja::TemplateError& e) {
        if (c.contains("raised")) {
          EXPECT_TRUE(e.raised_by_template()) << label << ": " << e.what();
          EXPECT_EQ(e.message(), c["raised"].get<std::string>()) << label;
        } else if (!c.contains("error")) {
          ADD_FAILURE() << label << ": unexpected error: " << e.what();
        }
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 400u);
}

}  // namespace
