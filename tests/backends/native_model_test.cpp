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

// More requests than one tokenise/score chunk (8192): every response, across the chunk
// boundaries, equals that request scored on its own, in request order.
TEST(NativeModel, LoglikelihoodInChunksMatchesSingleRequests) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = tiny_gpt2().string();
  auto m = make_native_model(c);
  std::vector<LoglikelihoodRequest> reqs;
  for (int i = 0; i < 2 * 8192 + 7; ++i)
    reqs.push_back({"Question " + std::to_string(i % 97) + ":", " answer " + std::to_string(i % 13)});
  const auto all = m->loglikelihood(reqs);
  ASSERT_EQ(all.size(), reqs.size());
  for (size_t i : {size_t(0), size_t(8191), size_t(8192), size_t(12345), size_t(16383), size_t(16384), reqs.size() - 1}) {
    const auto one = m->loglikelihood(std::span<const LoglikelihoodRequest>(&reqs[i], 1));
    EXPECT_EQ(all[i].input_tokens, one[0].input_tokens) << "request " << i;
    EXPECT_EQ(all[i].continuation_tokens, one[0].continuation_tokens) << "request " << i;
    EXPECT_NEAR(all[i].logprob, one[0].logprob, 1e-5) << "request " << i;
    EXPECT_EQ(all[i].is_greedy, one[0].is_greedy) << "request " << i;
  }
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

void copy_files(const fs::path& from, const fs::path& to, std::initializer_list<const char*> names) {
  fs::create_directories(to);
  for (const char* f : names) fs::copy_file(from / f, to / f, fs::copy_options::overwrite_existing);
}

double logprob_of(Model& m, const std::string& context, const std::string& continuation) {
  std::vector<LoglikelihoodRequest> r = {{context, continuation}};
  return m.loglikelihood(r)[0].logprob;
}

TEST(NativeModelArgs, TokenizerAndSubfolder) {
  LIGHTEVAL_REQUIRE_SHARED();
  // Weights and config in <root>/weights, no tokenizer there.
  const auto root = testing::temp_dir("native_subfolder");
  copy_files(stories(), root / "weights", {"config.json", "model.safetensors", "generation_config.json"});
  NativeModelConfig c;
  c.pretrained = root.string();
  EXPECT_FALSE(error_of(c).empty());  // no config.json at the root
  c.subfolder = "weights";
  EXPECT_FALSE(error_of(c).empty());  // found the weights, but no tokenizer next to them
  c.tokenizer = stories().string();
  auto m = make_native_model(c);
  NativeModelConfig plain;
  plain.pretrained = stories().string();
  auto ref = make_native_model(plain);
  EXPECT_EQ(logprob_of(*m, "Once upon a time", " there was a girl"),
            logprob_of(*ref, "Once upon a time", " there was a girl"));
  c.subfolder = "nope";
  EXPECT_NE(error_of(c).find("nope"), std::string::npos);
}

TEST(NativeModelArgs, GenerationConfigEosOfTheModelFolder) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig plain;
  plain.pretrained = stories().string();
  GenerationRequest r;
  r.generation_size = 20;
  const auto free_run = make_native_model(plain)->greedy_until(std::span<const GenerationRequest>(&r, 1));
  const auto& tokens = free_run[0].output_tokens[0];
  ASSERT_EQ(tokens.size(), 20u);
  // The model folder's generation_config.json lists the 4th generated token as a second EOS; the
  // tokenizer comes from elsewhere (its folder's files say only EOS 2).
  const auto dir = testing::temp_dir("native_generation_eos");
  copy_files(stories(), dir, {"config.json", "model.safetensors"});
  const int32_t stop = tokens[3];
  ASSERT_EQ(std::find(tokens.begin(), tokens.begin() + 3, stop), tokens.begin() + 3) << "pick a token not seen earlier";
  std::ofstream(dir / "generation_config.json") << Json{{"bos_token_id", 1}, {"eos_token_id", {2, stop}}}.dump();
  NativeModelConfig c;
  c.pretrained = dir.string();
  c.tokenizer = stories().string();
  const auto out = make_native_model(c)->greedy_until(std::span<const GenerationRequest>(&r, 1));
  EXPECT_EQ(out[0].output_tokens[0], std::vector<int32_t>(tokens.begin(), tokens.begin() + 4));
}

TEST(NativeModelArgs, MaxLengthAndSpecialTokens) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = stories().string();
  auto m = make_native_model(c);
  EXPECT_EQ(m->max_length(), 512);  // config.json max_position_embeddings
  const std::string ctx = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
  std::vector<LoglikelihoodRequest> r = {{ctx, " She was happy."}};
  const auto full = m->loglikelihood(r)[0];
  EXPECT_EQ(full.input_tokens.front(), 1);  // BOS, as the Llama tokenizer adds it
  EXPECT_EQ(full.truncated_tokens, 0);
  ASSERT_GT(full.input_tokens.size(), 16u);

  c.max_length = 16;
  auto m16 = make_native_model(c);
  EXPECT_EQ(m16->max_length(), 16);
  const auto cut = m16->loglikelihood(r)[0];
  EXPECT_EQ(cut.input_tokens.size(), 16u);
  EXPECT_EQ(cut.truncated_tokens, static_cast<int>(full.input_tokens.size()) - 16);
  EXPECT_EQ(cut.continuation_tokens, full.continuation_tokens);
  // Left truncation: the last 16 tokens are kept.
  EXPECT_TRUE(std::equal(cut.input_tokens.begin(), cut.input_tokens.end(), full.input_tokens.end() - 16));
  EXPECT_NE(cut.logprob, full.logprob);

  c.max_length.reset();
  c.add_special_tokens = false;
  auto no_bos = make_native_model(c);
  const auto nb = no_bos->loglikelihood(r)[0];
  EXPECT_EQ(nb.input_tokens.size() + 1, full.input_tokens.size());
  EXPECT_TRUE(std::equal(nb.input_tokens.begin(), nb.input_tokens.end(), full.input_tokens.begin() + 1));
  EXPECT_EQ(*no_bos->count_tokens(ctx) + 1, *m->count_tokens(ctx));
}

TEST(NativeModelArgs, DtypeDeviceAndBatchSizeDoNotChangeCpuScores) {
  LIGHTEVAL_REQUIRE_SHARED();
  std::vector<LoglikelihoodRequest> reqs;
  for (const char* ctx : {"Once upon a time", "The little dog", "Lily and Ben went to the park."})
    for (const char* cont : {" there was a girl", " ran", " They played all day.", " The end."})
      reqs.push_back({ctx, cont});
  NativeModelConfig c;
  c.pretrained = stories().string();
  const auto base = make_native_model(c)->loglikelihood(reqs);
  EXPECT_EQ(make_native_model(c)->info().model_dtype, "torch.float32");
  for (const char* dtype : {"auto", "float32", "bfloat16", "float16"}) {
    NativeModelConfig d = c;
    d.dtype = dtype;
    d.device = "cpu";
    auto m = make_native_model(d);
    EXPECT_EQ(m->info().model_dtype, "torch.float32") << dtype;  // the CPU computes in fp32
    const auto got = m->loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(got[i].logprob, base[i].logprob) << dtype << " " << i;
  }
  for (int bs : {1, 5}) {
    NativeModelConfig b = c;
    b.batch_size = bs;
    const auto got = make_native_model(b)->loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
      EXPECT_NEAR(got[i].logprob, base[i].logprob, 1e-5) << "batch size " << bs << " request " << i;
      EXPECT_EQ(got[i].is_greedy, base[i].is_greedy);
    }
  }
  c.dtype = "int4";
  EXPECT_NE(error_of(c).find("dtype"), std::string::npos);
}

TEST(NativeModelArgs, MultichoiceContinuationsStartSpace) {
  LIGHTEVAL_REQUIRE_SHARED();
  // In the stories260K SentencePiece vocabulary "a" is one token (with its dummy-prefix space)
  // and " a" two, so only the lstrip rule (False) makes " a" a single-token choice.
  SingleTokenRequest s{"Once upon a time, there was", {" a"}};
  NativeModelConfig c;
  c.pretrained = stories().string();
  auto unset = make_native_model(c);
  try {
    unset->loglikelihood_single_token(std::span<const SingleTokenRequest>(&s, 1));
    ADD_FAILURE() << "\" a\" should be two tokens";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exactly one"), std::string::npos) << e.what();
  }
  c.multichoice_continuations_start_space = false;
  auto strip = make_native_model(c);
  const auto got = strip->loglikelihood_single_token(std::span<const SingleTokenRequest>(&s, 1));
  SingleTokenRequest plain{"Once upon a time, there was", {"a"}};
  const auto want = unset->loglikelihood_single_token(std::span<const SingleTokenRequest>(&plain, 1));
  ASSERT_EQ(got[0].logprobs.size(), 1u);
  EXPECT_EQ(got[0].choice_tokens, want[0].choice_tokens);
  EXPECT_EQ(got[0].logprobs[0], want[0].logprobs[0]);
  c.multichoice_continuations_start_space = true;  // "a" -> " a": two tokens again
  auto add = make_native_model(c);
  EXPECT_THROW(add->loglikelihood_single_token(std::span<const SingleTokenRequest>(&plain, 1)), Error);
}

TEST(NativeModelArgs, MaxGenToksCapsGenerationsWithoutASize) {
  LIGHTEVAL_REQUIRE_SHARED();
  NativeModelConfig c;
  c.pretrained = stories().string();
  c.max_gen_toks = 7;
  auto m = make_native_model(c);
  GenerationRequest r;  // no generation_size
  const auto out = m->greedy_until(std::span<const GenerationRequest>(&r, 1));
  ASSERT_EQ(out[0].output_tokens[0].size(), 7u);
  r.generation_size = 20;  // a task's own size wins
  const auto longer = m->greedy_until(std::span<const GenerationRequest>(&r, 1));
  ASSERT_EQ(longer[0].output_tokens[0].size(), 20u);
  EXPECT_TRUE(std::equal(out[0].output_tokens[0].begin(), out[0].output_tokens[0].end(),
                         longer[0].output_tokens[0].begin()));
}

TEST(NativeModelArgs, TrustRemoteCode) {
  LIGHTEVAL_REQUIRE_SHARED();
  const auto dir = testing::temp_dir("native_remote_code");
  copy_files(stories(), dir, {"model.safetensors", "tokenizer.json", "tokenizer.model", "tokenizer_config.json"});
  Json cfg = Json::parse(testing::read_file(stories() / "config.json"));
  cfg["auto_map"] = {{"AutoModelForCausalLM", "modeling_custom.CustomLlama"}};
  std::ofstream(dir / "config.json") << cfg.dump();
  NativeModelConfig c;
  c.pretrained = dir.string();
  c.trust_remote_code = true;  // a supported architecture: our implementation runs (with a warning)
  EXPECT_EQ(error_of(c), "");
  cfg["architectures"] = {"CustomLlamaForCausalLM"};
  std::ofstream(dir / "config.json") << cfg.dump();
  const std::string e = error_of(c);
  EXPECT_NE(e.find("trust_remote_code"), std::string::npos) << e;
  EXPECT_NE(e.find("LlamaForCausalLM"), std::string::npos) << e;  // names the supported ones
}

}  // namespace
}  // namespace lighteval::backends
