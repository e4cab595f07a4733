// Unit tests of the tokenizer's pieces, with expected values taken from the HF tokenizers
// documentation and test suite, CPython, and the Unicode standard.
#include <gtest/gtest.h>

#include "common/test_support.h"
#include "tokenizer/components.h"
#include "tokenizer/text_cleanup.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

using namespace lighteval::tokenizer;
using lighteval::Json;

namespace {
std::vector<std::string> split_all(const std::string& text, SplitBehavior b, bool invert = false) {
  std::vector<std::pair<size_t, size_t>> m;
  Pattern(Json{{"String", "-"}}).find_matches(text, m);
  std::vector<Piece> out;
  split_by_matches(text, m, b, invert, true, out);
  std::vector<std::string> s;
  for (auto& p : out) s.push_back(p.text);
  return s;
}
using V = std::vector<std::string>;
}  // namespace

// The example of tokenizers' SplitDelimiterBehavior documentation.
TEST(Split, EveryBehaviorOnTheDocumentationExample) {
  const std::string t = "the-final--countdown";
  EXPECT_EQ(split_all(t, SplitBehavior::kRemoved), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_all(t, SplitBehavior::kIsolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_all(t, SplitBehavior::kMergedWithPrevious), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_all(t, SplitBehavior::kMergedWithNext), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_all(t, SplitBehavior::kContiguous), (V{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(split_all(t, SplitBehavior::kRemoved, true), (V{"-", "-", "-"}));
}

TEST(Unicode, LossyDecodingMatchesCPython) {
  // bytes.decode("utf-8", errors="replace") in CPython 3.11.
  EXPECT_EQ(unicode::sanitize_utf8("abc\xff" "def"), "abc\xEF\xBF\xBD" "def");
  EXPECT_EQ(unicode::sanitize_utf8("\xe2\x82"), "\xEF\xBF\xBD");                      // one U+FFFD
  EXPECT_EQ(unicode::sanitize_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // 3
  EXPECT_EQ(unicode::sanitize_utf8("\xf0\x9f\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(unicode::sanitize_utf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(unicode::sanitize_utf8("\xf4\x90\x80\x80"), std::string(4 * 3, 'x').replace(0, 12, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
  EXPECT_EQ(unicode::sanitize_utf8("\xe2\x82\xac"), "\xe2\x82\xac");
}

TEST(Unicode, Gpt2ByteTable) {
  // From GPT-2's encoder.py bytes_to_unicode(): ' ' -> U+0120 'Ġ', '\n' -> U+010A 'Ċ', 'A' -> 'A'.
  EXPECT_EQ(unicode::bytes_to_chars()[' '], U'\u0120');
  EXPECT_EQ(unicode::bytes_to_chars()['\n'], U'\u010A');
  EXPECT_EQ(unicode::bytes_to_chars()['A'], U'A');
  EXPECT_EQ(unicode::bytes_to_chars()[0xAD], U'\u0143');
  for (int b = 0; b < 256; ++b) EXPECT_EQ(unicode::char_to_byte(unicode::bytes_to_chars()[b]), b);
}

TEST(Unicode, NormalizationForms) {
  // Python's unicodedata.normalize.
  EXPECT_EQ(unicode::nfc("e\xcc\x81"), "\xc3\xa9");
  EXPECT_EQ(unicode::nfd("\xc3\xa9"), "e\xcc\x81");
  EXPECT_EQ(unicode::nfkc("\xef\xac\x81"), "fi");  // U+FB01
  EXPECT_EQ(unicode::nfkd("\xe2\x91\xa0"), "1");   // U+2460
  EXPECT_EQ(unicode::lowercase("ÀB\xc4\xb0"), "àbi\xcc\x87");  // Rust/Python full mapping of U+0130
}

TEST(Cleanup, TransformersRules) {
  EXPECT_EQ(clean_up_tokenization("Hello , world . I 'm here n't ?"), "Hello, world. I'm heren't?");
}

TEST(Errors, BadTokenizerJsonGivesOneClearError) {
  EXPECT_THROW(Tokenizer::from_json_string("{not json"), lighteval::Error);
  EXPECT_THROW(Tokenizer::from_json_string("{}"), lighteval::Error);
  EXPECT_THROW(Tokenizer::from_json_string(R"({"model": {"type": "Nope"}})"), lighteval::Error);
  EXPECT_THROW(Tokenizer::from_json_string(
                   R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})"),
               lighteval::Error);
  EXPECT_THROW(Tokenizer::from_json_string(
                   R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<"}, "behavior": "Isolated"}})"),
               lighteval::Error);
  EXPECT_THROW(Tokenizer::from_directory("/nonexistent-dir-for-test"), lighteval::Error);
}

TEST(Bpe, MergesAsStringsOrPairsAndLowestRankFirst) {
  // "abc": merges (b,c) rank 0 then (a,b) rank 1 -> "a" "bc" (rank order beats position).
  for (const char* merges : {R"(["b c", "a b"])", R"([["b", "c"], ["a", "b"]])"}) {
    auto t = Tokenizer::from_json_string(std::string(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "ab": 4}, "merges": )") + merges + "}}");
    EXPECT_EQ(t->encode("abc"), (std::vector<int32_t>{0, 3}));
    EXPECT_EQ(t->encode("ab"), (std::vector<int32_t>{4}));
    EXPECT_EQ(t->vocab_size(), 5u);
    EXPECT_EQ(t->token_to_id("bc"), 3);
    EXPECT_EQ(t->id_to_token(4), "ab");
  }
}

TEST(Bpe, ByteFallbackAndFusedUnk) {
  auto t = Tokenizer::from_json_string(R"({"model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "<0xC3>": 2, "<0xA9>": 3}, "merges": [], "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true}})");
  EXPECT_EQ(t->encode("a\xc3\xa9" "a"), (std::vector<int32_t>{1, 2, 3, 1}));  // é as bytes
  EXPECT_EQ(t->encode("axya"), (std::vector<int32_t>{1, 0, 1}));            // x y fused into one unk
}

TEST(Directory, SpecialTokensAndLimits) {
  LIGHTEVAL_REQUIRE_SHARED();
  auto dir = lighteval::testing::assets_dir() / "hub/models/hf-internal-testing/tiny-random-gpt2";
  auto t = Tokenizer::from_directory(dir);
  EXPECT_EQ(t->bos_token(), "<|endoftext|>");
  EXPECT_EQ(t->eos_token_id(), 0);
  // generation_config.json and config.json add 98 (tiny-random-gpt2's configs say so).
  EXPECT_EQ(t->eos_token_ids(), (std::vector<int32_t>{0, 98}));
  EXPECT_EQ(t->model_max_length(), 1024);
  EXPECT_TRUE(t->clean_up_tokenization_spaces());
  EXPECT_EQ(t->vocab_size(), 1000u);
  EXPECT_FALSE(t->chat_template().has_value());
  EXPECT_THROW(t->apply_chat_template(Json::array(), true), lighteval::Error);

  auto llama = Tokenizer::from_directory(lighteval::testing::assets_dir() / "hub/models/fixtures/llama2-tokenizer");
  EXPECT_EQ(llama->bos_token_id(), 1);
  EXPECT_EQ(llama->eos_token_id(), 2);
  EXPECT_EQ(llama->unk_token_id(), 0);
  EXPECT_FALSE(llama->pad_token_id().has_value());
  EXPECT_EQ(llama->model_max_length(), 4096);
  // Llama 2's published ids for "Hello world" (meta-llama/Llama-2-7b-hf): 1 15043 3186.
  EXPECT_EQ(llama->encode("Hello world"), (std::vector<int32_t>{1, 15043, 3186}));
  EXPECT_EQ(llama->encode("Hello world", false), (std::vector<int32_t>{15043, 3186}));
  EXPECT_EQ(llama->decode(std::vector<int32_t>{1, 15043, 3186}, true), "Hello world");
  EXPECT_EQ(llama->decode(std::vector<int32_t>{1, 15043, 3186}, false), "<s> Hello world");

  auto gpt2 = Tokenizer::from_directory(lighteval::testing::assets_dir() / "hub/models/fixtures/gpt2-tokenizer");
  // GPT-2's published ids for "Hello world": 15496 995.
  EXPECT_EQ(gpt2->encode("Hello world"), (std::vector<int32_t>{15496, 995}));
  EXPECT_EQ(gpt2->vocab_size(), 50257u);
}

TEST(Directory, VocabAndMergesWithoutTokenizerJson) {
  LIGHTEVAL_REQUIRE_SHARED();
  auto src = lighteval::testing::assets_dir() / "hub/models/fixtures/gpt2-tokenizer";
  auto dir = lighteval::testing::temp_dir("gpt2files");
  for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json"})
    std::filesystem::copy_file(src / f, dir / f);
  auto files = Tokenizer::from_directory(dir);
  auto json = Tokenizer::from_directory(src);
  for (const char* text : {"Hello world", " leading space", "multiple   spaces\n\nand newlines", "naïve café 日本語 👍🏽",
                           "<|endoftext|> is special", "It's 3.14159 o'clock"}) {
    EXPECT_EQ(files->encode(text), json->encode(text)) << text;
    EXPECT_EQ(files->decode(files->encode(text)), text);
  }
}

TEST(Threads, BatchEqualsSequential) {
  LIGHTEVAL_REQUIRE_SHARED();
  auto t = Tokenizer::from_directory(lighteval::testing::assets_dir() / "hub/models/fixtures/gpt2-tokenizer");
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i) texts.push_back("line " + std::to_string(i * 7919) + " of text, number " + std::to_string(i));
  auto batch = t->encode_batch(texts, true, 4);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i], t->encode(texts[i]));
}
