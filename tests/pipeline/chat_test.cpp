// --use_chat_template and --system_prompt in the pipeline, on real chat templates from
// ../shared/assets/chat-templates: the expected prompts are written out by hand from lighteval
// v0.5's rules (research/lighteval.md §6.3: shots as user/assistant turns, the system prompt +
// instruction as a system turn or the instruction at the start of the first turn,
// add_generation_prompt) and from each template's own text; plus the deliberate differences:
// one BOS, generation stopping on the template's end-of-turn marker.
#include <gtest/gtest.h>

#include "common/test_support.h"
#include "pipeline/chat.h"
#include "pipeline/evaluate.h"
#include "tasks/task_config.h"
#include "template/jinja.h"
#include "util/error.h"

namespace lighteval::pipeline {
namespace {

namespace fs = std::filesystem;

// A model whose tokenizer has a real chat template; it records what the pipeline asks.
class ChatModel final : public backends::Model {
 public:
  ChatModel(std::string template_file, std::string bos, std::string eos, bool prepends_bos)
      : template_(lighteval::testing::read_file(lighteval::testing::assets_dir() / "chat-templates" / template_file)),
        bos_(std::move(bos)),
        eos_(std::move(eos)),
        prepends_bos_(prepends_bos) {}

  backends::ModelInfo info() const override { return {"chat-model", "", "", ""}; }
  std::vector<backends::LoglikelihoodResponse> loglikelihood(
      std::span<const backends::LoglikelihoodRequest> r) override {
    loglikelihood_requests.insert(loglikelihood_requests.end(), r.begin(), r.end());
    std::vector<backends::LoglikelihoodResponse> out(r.size());
    for (size_t i = 0; i < r.size(); ++i) out[i].logprob = -static_cast<double>(i % 3) - 1.0;
    return out;
  }
  std::vector<backends::SingleTokenResponse> loglikelihood_single_token(
      std::span<const backends::SingleTokenRequest> r) override {
    return std::vector<backends::SingleTokenResponse>(r.size());
  }
  std::vector<backends::RollingResponse> loglikelihood_rolling(std::span<const backends::RollingRequest> r) override {
    return std::vector<backends::RollingResponse>(r.size());
  }
  std::vector<backends::GenerationResponse> greedy_until(std::span<const backends::GenerationRequest> r) override {
    generation_requests.insert(generation_requests.end(), r.begin(), r.end());
    std::vector<backends::GenerationResponse> out(r.size());
    for (auto& g : out) g.texts = {"#### 1"};
    return out;
  }
  std::optional<std::string> apply_chat_template(const Json& messages, bool add_generation_prompt) const override {
    return jinja::apply_chat_template(template_, messages, add_generation_prompt,
                                      Json{{"bos_token", bos_}, {"eos_token", eos_}});
  }
  std::optional<std::string> prepended_bos_token() const override {
    return prepends_bos_ ? std::optional<std::string>(bos_) : std::nullopt;
  }

  std::vector<backends::LoglikelihoodRequest> loglikelihood_requests;
  std::vector<backends::GenerationRequest> generation_requests;

 private:
  std::string template_, bos_, eos_;
  bool prepends_bos_;
};

// Few-shot examples from a train split in order (sequential), one test doc: every prompt is known.
const char* kTaskYaml = R"(
tasks:
  - name: "chat_mc"
    suite: ["custom"]
    prompt_function: "arc"
    hf_repo: "mini/mc"
    hf_subset: "default"
    hf_avail_splits: ["train", "test"]
    evaluation_splits: ["test"]
    few_shots_split: "train"
    few_shots_select: "sequential"
    metric: ["loglikelihood_acc"]
  - name: "chat_gen"
    suite: ["custom"]
    prompt_function: "gsm8k"
    hf_repo: "mini/gen"
    hf_subset: "main"
    hf_avail_splits: ["train", "test"]
    evaluation_splits: ["test"]
    few_shots_split: "train"
    few_shots_select: "sequential"
    generation_size: 16
    stop_sequence: ["Question:", "\n"]
    metric: ["quasi_exact_match_gsm8k"]
  - name: "chat_instr"
    suite: ["custom"]
    prompt_function: "mmlu_harness"
    hf_repo: "mini/mmlu"
    hf_subset: "default"
    hf_avail_splits: ["dev", "test"]
    evaluation_splits: ["test"]
    few_shots_split: "dev"
    few_shots_select: "sequential"
    metric: ["loglikelihood_acc"]
)";

Json mc_row(const std::string& q, const std::string& key) {
  return Json{{"id", q},
              {"question", q},
              {"choices", Json{{"text", Json::array({"a", "bbbbbbbb", "cc"})}, {"label", Json::array({"A", "B", "C"})}}},
              {"answerKey", key}};
}

tasks::RowLoader loader() {
  return [](const std::string& repo, const std::string&, const std::string& split,
            const std::optional<std::string>&) -> std::vector<Json> {
    if (repo == "mini/mc") {
      if (split == "train") return {mc_row("Train question 0?", "A"), mc_row("Train question 1?", "B")};
      if (split == "test") return {mc_row("Test question?", "C")};
    }
    if (repo == "mini/gen") {
      if (split == "train") return {Json{{"question", "What is 1+1?"}, {"answer", "1+1=2\n#### 2"}}};
      if (split == "test") return {Json{{"question", "What is 0+1?"}, {"answer", "0+1=1\n#### 1"}}};
    }
    if (repo == "mini/mmlu") {
      auto row = [](const std::string& q, int answer) {
        return Json{{"question", q}, {"subject", "abstract_algebra"},
                    {"choices", Json::array({"w", "x", "y", "z"})}, {"answer", answer}};
      };
      if (split == "dev") return {row("Dev q?", 1)};
      if (split == "test") return {row("Test q?", 2)};
    }
    throw Error("no split " + split + " in " + repo);
  };
}

RunOutput run(ChatModel& model, const std::string& specs, std::optional<std::string> system_prompt) {
  tasks::TaskRegistry reg;
  reg.add_task_file(tasks::parse_task_file(kTaskYaml, "test"), false);
  PipelineOptions opt;
  opt.use_chat_template = true;
  opt.system_prompt = std::move(system_prompt);
  opt.output_dir = lighteval::testing::temp_dir("chat_out");
  opt.progress = false;
  opt.load_rows = loader();
  return run_evaluation(reg, reg.parse_specs(specs), model, opt);
}

// Meta-Llama-3-8B-Instruct's template: header + trimmed content + <|eot_id|> per message, BOS
// before the first, the assistant header as generation prompt.
std::string llama3_turn(const std::string& role, const std::string& content) {
  return "<|start_header_id|>" + role + "<|end_header_id|>\n\n" + content + "<|eot_id|>";
}
const std::string kLlama3Prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";

class ChatTemplates : public ::testing::Test {
 protected:
  void SetUp() override { LIGHTEVAL_REQUIRE_SHARED(); }
};

TEST_F(ChatTemplates, FewShotTurnsSystemPromptAndOneBosWithLlama3) {
  ChatModel model("meta-llama--Meta-Llama-3-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", true);
  run(model, "custom|chat_mc|2|0", "Be brief.");
  // arc has no instruction: the system turn is the system prompt alone; shots are user/assistant
  // turns whose target is the gold choice (its leading space trimmed by the template).
  const std::string ctx = llama3_turn("system", "Be brief.") + llama3_turn("user", "Question: Train question 0?\nAnswer:") +
                          llama3_turn("assistant", "a") + llama3_turn("user", "Question: Train question 1?\nAnswer:") +
                          llama3_turn("assistant", "bbbbbbbb") + llama3_turn("user", "Question: Test question?\nAnswer:") +
                          kLlama3Prompt;
  ASSERT_EQ(model.loglikelihood_requests.size(), 3u);
  const std::vector<std::string> choices{" a", " bbbbbbbb", " cc"};
  for (size_t i = 0; i < 3; ++i) {
    // The template's <|begin_of_text|> is gone: the backend prepends BOS itself.
    EXPECT_EQ(model.loglikelihood_requests[i].context, ctx);
    EXPECT_EQ(model.loglikelihood_requests[i].continuation, choices[i]);
  }
}

TEST_F(ChatTemplates, TemplateBosKeptWhenTheBackendAddsNone) {
  ChatModel model("meta-llama--Meta-Llama-3-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", false);
  run(model, "custom|chat_mc|0|0", std::nullopt);
  ASSERT_EQ(model.loglikelihood_requests.size(), 3u);
  EXPECT_EQ(model.loglikelihood_requests[0].context,
            "<|begin_of_text|>" + llama3_turn("user", "Question: Test question?\nAnswer:") + kLlama3Prompt);
}

TEST_F(ChatTemplates, GenerationStopsOnEndOfTurnNotOnTaskStops) {
  ChatModel model("meta-llama--Meta-Llama-3-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", true);
  RunOutput out = run(model, "custom|chat_gen|1|0", std::nullopt);
  ASSERT_EQ(model.generation_requests.size(), 1u);
  const auto& g = model.generation_requests[0];
  EXPECT_EQ(g.context, llama3_turn("user", "Question: What is 1+1?\nAnswer:") + llama3_turn("assistant", "1+1=2\n#### 2") +
                           llama3_turn("user", "Question: What is 0+1?\nAnswer:") + kLlama3Prompt);
  // v0.5 drops the task's stop sequences ("Question:", "\n") under the chat template.
  EXPECT_EQ(g.stop_sequences, std::vector<std::string>{"<|eot_id|>"});
  EXPECT_EQ(g.generation_size, 16);
  EXPECT_EQ(out.results["results"]["custom|chat_gen|1"]["qem"], 1.0);
}

TEST_F(ChatTemplates, InstructionGoesToTheSystemTurnOrTheFirstTurnWithChatML) {
  const std::string instr = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
  const std::string dev = "Dev q?\nA. w\nB. x\nC. y\nD. z\nAnswer:";
  const std::string test = "Test q?\nA. w\nB. x\nC. y\nD. z\nAnswer:";
  {
    // No system prompt: the instruction starts the first user turn; Qwen's template then adds
    // its default system turn.
    ChatModel model("Qwen--Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", false);
    run(model, "custom|chat_instr|1|0", std::nullopt);
    ASSERT_EQ(model.loglikelihood_requests.size(), 4u);
    EXPECT_EQ(model.loglikelihood_requests[0].context,
              "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
              "<|im_start|>user\n" + instr + dev + "<|im_end|>\n<|im_start|>assistant\n B<|im_end|>\n"
              "<|im_start|>user\n" + test + "<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(model.loglikelihood_requests[3].continuation, " D");
  }
  {
    // With --system_prompt: one system turn, system prompt + instruction with no separator.
    ChatModel model("Qwen--Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", false);
    run(model, "custom|chat_instr|1|0", "Answer with a letter.");
    ASSERT_EQ(model.loglikelihood_requests.size(), 4u);
    EXPECT_EQ(model.loglikelihood_requests[0].context,
              "<|im_start|>system\nAnswer with a letter." + instr + "<|im_end|>\n"
              "<|im_start|>user\n" + dev + "<|im_end|>\n<|im_start|>assistant\n B<|im_end|>\n"
              "<|im_start|>user\n" + test + "<|im_end|>\n<|im_start|>assistant\n");
  }
}

TEST_F(ChatTemplates, TemplateThatRefusesTheSystemTurnIsOneClearError) {
  // Gemma 2's template raises "System role not supported".
  ChatModel model("google--gemma-2-2b-it.jinja", "<bos>", "<eos>", true);
  try {
    run(model, "custom|chat_mc|0|0", "Be brief.");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the model's chat template cannot render the prompt: System role not supported"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("--system_prompt"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  // Without a system prompt the same template works: "<start_of_turn>user\n...<end_of_turn>\n".
  ChatModel ok("google--gemma-2-2b-it.jinja", "<bos>", "<eos>", true);
  run(ok, "custom|chat_mc|0|0", std::nullopt);
  ASSERT_EQ(ok.loglikelihood_requests.size(), 3u);
  EXPECT_EQ(ok.loglikelihood_requests[0].context,
            "<start_of_turn>user\nQuestion: Test question?\nAnswer:<end_of_turn>\n<start_of_turn>model\n");
}

TEST_F(ChatTemplates, EndOfTurnMarkerOfRealTemplates) {
  struct Case {
    const char* file;
    const char* bos;
    const char* eos;
    const char* marker;
  };
  for (const Case& c : std::vector<Case>{
           {"meta-llama--Meta-Llama-3-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", "<|eot_id|>"},
           {"meta-llama--Llama-2-7b-chat-hf.jinja", "<s>", "</s>", "</s>"},
           {"Qwen--Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", "<|im_end|>"},
           {"google--gemma-2-2b-it.jinja", "<bos>", "<eos>", "<end_of_turn>"},
           {"microsoft--Phi-3-mini-4k-instruct.jinja", "<s>", "<|endoftext|>", "<|end|>"},
           {"HuggingFaceH4--zephyr-7b-beta.jinja", "<s>", "</s>", "</s>"},
       }) {
    ChatModel model(c.file, c.bos, c.eos, false);
    EXPECT_EQ(end_of_turn_marker(model), std::optional<std::string>(c.marker)) << c.file;
  }
}

TEST(ChatHelpers, StripLeadingBos) {
  EXPECT_EQ(strip_leading_bos("<s>[INST] hi", std::string("<s>")), "[INST] hi");
  EXPECT_EQ(strip_leading_bos("<s><s>x", std::string("<s>")), "<s>x");  // one BOS removed, not all
  EXPECT_EQ(strip_leading_bos("[INST] <s>", std::string("<s>")), "[INST] <s>");
  EXPECT_EQ(strip_leading_bos("<s>x", std::nullopt), "<s>x");
  EXPECT_EQ(strip_leading_bos("<s>x", std::string()), "<s>x");
}

TEST(ChatHelpers, NoChatTemplateIsOneClearError) {
  class Plain final : public backends::Model {
   public:
    backends::ModelInfo info() const override { return {}; }
    std::vector<backends::LoglikelihoodResponse> loglikelihood(std::span<const backends::LoglikelihoodRequest> r) override {
      return std::vector<backends::LoglikelihoodResponse>(r.size());
    }
    std::vector<backends::SingleTokenResponse> loglikelihood_single_token(
        std::span<const backends::SingleTokenRequest> r) override {
      return std::vector<backends::SingleTokenResponse>(r.size());
    }
    std::vector<backends::RollingResponse> loglikelihood_rolling(std::span<const backends::RollingRequest> r) override {
      return std::vector<backends::RollingResponse>(r.size());
    }
    std::vector<backends::GenerationResponse> greedy_until(std::span<const backends::GenerationRequest> r) override {
      return std::vector<backends::GenerationResponse>(r.size());
    }
  } model;
  EXPECT_EQ(end_of_turn_marker(model), std::nullopt);
  tasks::TaskRegistry reg;
  reg.add_task_file(tasks::parse_task_file(kTaskYaml, "test"), false);
  PipelineOptions opt;
  opt.use_chat_template = true;
  opt.output_dir = lighteval::testing::temp_dir("chat_none");
  opt.progress = false;
  opt.load_rows = loader();
  try {
    run_evaluation(reg, reg.parse_specs("custom|chat_mc|0|0"), model, opt);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no chat template"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lighteval::pipeline
