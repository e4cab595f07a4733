// The native backend end to end on real checkpoints from ../shared/assets, plus its request
// preparation rules (lighteval v0.5 tokenization split, lm-eval rolling windows, Python rstrip).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "backends/native_model.h"
#include "backends/native_requests.h"
#include "common/test_support.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::backends {
namespace {

namespace fs = std::filesystem;

fs::path stories() { return testing::assets_dir() / "hub/models/fixtures/stories260K"; }
fs::path tiny_gpt2() { return testing::assets_dir() / "hub/models/hf-internal-testing/tiny-random-gpt2"; }

std::string error_of(const NativeModelConfig& c) {
  try {
    make_native_model(c);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(NativeRequests, TrailingWhitespaceFollowsPythonRstrip) {
  EXPECT_EQ(trailing_whitespace_bytes("abc \n\t"), 3u);
  EXPECT_EQ(trailing_whitespace_bytes("abc\xc2\xa0"), 2u);      // U+00A0
  EXPECT_EQ(trailing_whitespace_bytes("abc\xe3\x80\x80 "), 4u); // U+3000 + space
  EXPECT_EQ(trailing_whitespace_bytes("caf\xc3\xa9"), 0u);      // é is not space
  EXPECT_EQ(trailing_whitespace_bytes("   "), 3u);
  EXPECT_EQ(trailing_whitespace_bytes("a\x1f"), 1u);            // unit separator: isspace() in Python
}

TEST(NativeRequests, RollingWindowsFollowLmEval) {
  // lm-eval get_rolling_token_windows(tokens=1..10, prefix=0, max_seq_len=4, context_len=1) then
  // make_disjoint_window, worked out by hand.
  const auto w = rolling_windows({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 4);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].input, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(w[0].targets, (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(w[1].input, (std::vector<int32_t>{4, 5, 6, 7}));
  EXPECT_EQ(w[1].targets, (std::vector<int32_t>{5, 6, 7, 8}));
  EXPECT_EQ(w[2].input, (std::vector<int32_t>{6, 7, 8, 9}));
  EXPECT_EQ(w[2].targets, (std::vector<int32_t>{9, 10}));
  const auto one = rolling_windows({7, 8}, 0, 4);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].input, (std::vector<int32_t>{0, 7}));
}

TEST(NativeRequests, StartSpaceRule) {
  EXPECT_EQ(apply_start_space("A", 1), " A");
  EXPECT_EQ(apply_start_space(" A", 1), " A");
  EXPECT_EQ(apply_start_space("  A", 0), "A");
  EXPECT_EQ(apply_start_space(" A", -1), " A");
}

TEST(NativeModel, Stories260KGreedyMatchesLlama2c) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = stories().string();
  auto m = make_native_model(c);
  std::string expected = testing::read_file(testing::assets_dir() / "raw/llama2c/expected_greedy_200_run_c.txt");
  ASSERT_EQ(expected.back(), '\n');
  expected.pop_back();  // run.c prints a newline after its loop
  GenerationRequest r;
  r.generation_size = 200;
  const auto out = m->greedy_until(std::span<const GenerationRequest>(&r, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].input_tokens, (std::vector<int32_t>{1}));  // BOS
  EXPECT_EQ(out[0].output_tokens[0].size(), 200u);
  EXPECT_EQ(out[0].texts[0], expected);
  // A stop sequence cuts the text before it, and generation stops there.
  r.stop_sequences = {"Lily"};
  const auto cut = m->greedy_until(std::span<const GenerationRequest>(&r, 1));
  EXPECT_EQ(cut[0].texts[0], expected.substr(0, expected.find("Lily")));
  EXPECT_LT(cut[0].output_tokens[0].size(), 200u);
}

TEST(NativeModel, LoglikelihoodSplitsLikeLightevalV05) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = tiny_gpt2().string();
  auto m = make_native_model(c);
  auto tok = tokenizer::Tokenizer::from_directory(tiny_gpt2());
  // The context's trailing space moves to the continuation.
  std::vector<LoglikelihoodRequest> reqs = {{"The cat ", "sat down"}, {"The cat", " sat down"}, {"", "Hello"}};
  const auto out = m->loglikelihood(reqs);
  const auto ctx = tok->encode("The cat");
  const auto whole = tok->encode("The cat sat down");
  const std::vector<int32_t> cont(whole.begin() + ctx.size(), whole.end());
  EXPECT_EQ(out[0].continuation_tokens, cont);
  std::vector<int32_t> inp = ctx;
  inp.insert(inp.end(), cont.begin(), cont.end() - 1);
  EXPECT_EQ(out[0].input_tokens, inp);
  EXPECT_EQ(out[0].logprob, out[1].logprob);
  EXPECT_LT(out[0].logprob, 0.0);
  // Empty context: [eos] then the continuation.
  EXPECT_EQ(out[2].input_tokens.front(), *tok->eos_token_id());
  // Rolling log-likelihood of a short text = loglikelihood with an empty context.
  RollingRequest rr{"Hello"};
  const auto roll = m->loglikelihood_rolling(std::span<const RollingRequest>(&rr, 1));
  EXPECT_NEAR(roll[0].logprob, out[2].logprob, 1e-5);  // other batch, same tokens
  // Windowing: with max_length 4 the document is scored in windows, every token once.
  NativeModelConfig small = c;
  small.max_length = 4;
  auto m4 = make_native_model(small);
  RollingRequest longer{"The cat sat down on the mat and looked around the room."};
  const auto r4 = m4->loglikelihood_rolling(std::span<const RollingRequest>(&longer, 1));
  EXPECT_GT(r4[0].tokens.size(), 8u);
  EXPECT_LT(r4[0].logprob, 0.0);
}

TEST(NativeModel, SingleTokenMatchesLoglikelihood) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = stories().string();
  auto m = make_native_model(c);
  SingleTokenRequest s{"Once upon a time, there was a", {" girl", " boy"}};
  // Both choices are single tokens in the stories vocabulary only if the tokenizer says so; use
  // whatever encode gives and compare against the multi-token path.
  try {
    const auto st = m->loglikelihood_single_token(std::span<const SingleTokenRequest>(&s, 1));
    std::vector<LoglikelihoodRequest> ll = {{s.context, s.choices[0]}, {s.context, s.choices[1]}};
    const auto l = m->loglikelihood(ll);
    ASSERT_EQ(st[0].logprobs.size(), 2u);
    if (l[0].continuation_tokens.size() == 1) EXPECT_NEAR(st[0].logprobs[0], l[0].logprob, 1e-6);
    if (l[1].continuation_tokens.size() == 1) EXPECT_NEAR(st[0].logprobs[1], l[1].logprob, 1e-6);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exactly one"), std::string::npos);
  }
}

TEST(NativeModel, ClearErrors) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = tiny_gpt2().string();
  c.device = "cuda";
  // Without a GPU (or a CUDA build) the error names CUDA; with one, the model loads.
  std::string cuda_error = error_of(c);
  std::transform(cuda_error.begin(), cuda_error.end(), cuda_error.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (!cuda_error.empty()) EXPECT_NE(cuda_error.find("cuda"), std::string::npos) << cuda_error;
  c.device = "tpu";
  EXPECT_NE(error_of(c).find("unknown device"), std::string::npos);

  // config.json without "architectures"; and an unknown remote-code architecture.
  const auto dir = testing::temp_dir("native_noarch");
  for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt"})
    fs::copy_file(tiny_gpt2() / f, dir / f);
  Json cfg = Json::parse(testing::read_file(tiny_gpt2() / "config.json"));
  cfg.erase("architectures");
  std::ofstream(dir / "config.json") << cfg.dump();
  c = NativeModelConfig{};
  c.pretrained = dir.string();
  const std::string e1 = error_of(c);
  EXPECT_NE(e1.find("architectures"), std::string::npos) << e1;
  EXPECT_NE(e1.find("LlamaForCausalLM"), std::string::npos) << e1;
  cfg["architectures"] = {"MyFancyModel"};
  cfg["auto_map"] = {{"AutoModelForCausalLM", "modeling.MyFancyModel"}};
  std::ofstream(dir / "config.json") << cfg.dump();
  const std::string e2 = error_of(c);
  EXPECT_NE(e2.find("custom Python code"), std::string::npos) << e2;
  // Config and weights that disagree: a shape mismatch names the tensor.
  cfg = Json::parse(testing::read_file(tiny_gpt2() / "config.json"));
  cfg["n_embd"] = 64;
  std::ofstream(dir / "config.json") << cfg.dump();
  const std::string e3 = error_of(c);
  EXPECT_NE(e3.find("shape"), std::string::npos) << e3;
  c.pretrained = (dir / "does-not-exist").string();
  EXPECT_FALSE(error_of(c).empty());
}

}  // namespace
}  // namespace lighteval::backends
