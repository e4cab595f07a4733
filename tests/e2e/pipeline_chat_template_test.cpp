// --use_chat_template on a real tiny model: stories260K (a Llama tokenizer that prepends BOS)
// given Llama 2's real chat template, which writes bos_token itself. lighteval v0.5 tokenized the
// rendered text with add_special_tokens=True and so fed two BOS; we feed one. Checked on what the
// details file records: the prompt text follows the template (system prompt + instruction in
// <<SYS>>, the shot as an [INST] turn and its answer), and the input tokens start with one BOS.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "formats/rows.h"
#include "mock_hub.h"
#include "util/json.h"

namespace lighteval::testing {
namespace {

namespace fs = std::filesystem;

fs::path model_with_chat_template(const std::string& template_file) {
  const fs::path src = assets_dir() / "hub" / "models" / "fixtures" / "stories260K";
  const fs::path dir = temp_dir("e2e_chat_model");
  for (const auto& e : fs::directory_iterator(src)) {
    if (e.path().filename() == "tokenizer_config.json") continue;
    fs::create_symlink(e.path(), dir / e.path().filename());
  }
  Json config = Json::parse(read_file(src / "tokenizer_config.json"));
  config["chat_template"] = read_file(assets_dir() / "chat-templates" / template_file);
  std::ofstream(dir / "tokenizer_config.json") << config.dump(2);
  return dir;
}

std::vector<Json> details_rows(const fs::path& out) {
  std::vector<Json> rows;
  for (const auto& e : fs::recursive_directory_iterator(out / "details")) {
    if (e.path().extension() != ".parquet") continue;
    auto reader = formats::open_parquet(e.path());
    Json row;
    while (reader->next(row)) rows.push_back(row);
  }
  return rows;
}

TEST(PipelineChatTemplate, Llama2TemplateOnStories260KFeedsOneBos) {
  LIGHTEVAL_REQUIRE_SHARED();
  mockhub::MockHubOptions o;
  o.root = assets_dir() / "hub";
  mockhub::MockHub hub(o);
  hub.start();
  const fs::path model = model_with_chat_template("meta-llama--Llama-2-7b-chat-hf.jinja");
  const fs::path out = temp_dir("e2e_chat_out");
  const std::string env = "HF_HOME='" + temp_dir("e2e_chat_home").string() + "' HF_HUB_CACHE= HF_TOKEN= HF_HUB_OFFLINE= HF_ENDPOINT=" +
                          hub.endpoint() + " ";
  CommandResult r = run_command(env + lighteval_binary().string() + " accelerate --model_args pretrained=" +
                                model.string() + " --tasks 'leaderboard|mmlu:abstract_algebra|1|0' --max_samples 1" +
                                " --use_chat_template --system_prompt 'Be brief.' --save_details --output_dir '" +
                                out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = details_rows(out);
  ASSERT_EQ(rows.size(), 1u);
  const std::string prompt = rows[0]["full_prompt"];
  // Llama 2: "<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>" per exchange;
  // the system turn is the system prompt + the task's instruction (v0.5); the template's first
  // "<s>" is removed because the tokenizer adds BOS.
  const std::string start = "[INST] <<SYS>>\nBe brief.The following are multiple choice questions (with answers) "
                            "about abstract algebra.\n\n\n<</SYS>>\n\n";
  EXPECT_EQ(prompt.substr(0, start.size()), start) << prompt;
  EXPECT_NE(prompt.find("\nAnswer: [/INST] B </s><s>[INST] "), std::string::npos) << prompt;
  EXPECT_EQ(prompt.substr(prompt.size() - 16), "\nAnswer: [/INST]") << prompt;
  // input_tokens is the str() of one token list per choice: each starts with exactly one BOS (1).
  const std::string tokens = rows[0]["input_tokens"];
  EXPECT_EQ(tokens.rfind("[[1, ", 0), 0u) << tokens.substr(0, 40);
  EXPECT_EQ(tokens.rfind("[[1, 1,", 0), std::string::npos) << tokens.substr(0, 40);
  EXPECT_EQ(rows[0]["truncated"], "[0, 0, 0, 0]");
}

}  // namespace
}  // namespace lighteval::testing
