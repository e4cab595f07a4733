// libFuzzer target for the tokenizer module (tokenizer/tokenizer.h). Mode 0 builds a tokenizer
// from a fuzzed tokenizer.json (seeds are small real ones) and encodes/decodes fixed text with it.
// Mode 1 encodes and decodes fuzzed text (and fuzzed ids) with fixed real tokenizers: the small
// variants of tests/fixtures/tokenizer/variants, plus stories260K and tiny-random-gpt2 from
// ../shared/assets when present. Any outcome but tokens or a lighteval::Error (a crash, a
// sanitizer report, another exception type) is a bug.
// Input: first byte = mode (and in mode 1 which tokenizer), the rest = tokenizer.json or text.
// fuzz-modules: tokenizer
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

#ifndef LIGHTEVAL_SOURCE_DIR
#define LIGHTEVAL_SOURCE_DIR "."
#endif

namespace {

namespace fs = std::filesystem;
using lighteval::tokenizer::Tokenizer;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fixed tokenizers: every variant of tests/fixtures/tokenizer/variants (a pipeline, plus the
// name of the real tokenizer whose vocabulary and merges it borrows), then real model directories.
// Those that need ../shared/assets are skipped when it is absent.
std::vector<std::unique_ptr<Tokenizer>> load_fixed() {
  std::vector<std::unique_ptr<Tokenizer>> out;
  const fs::path root = LIGHTEVAL_SOURCE_DIR;
  const fs::path hub = root.parent_path() / "shared/assets/hub/models";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(root / "tests/fixtures/tokenizer/variants"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    // nlohmann::json, not the ordered lighteval::Json: its linear key lookup makes a 50k-entry
    // vocabulary quadratic to parse.
    nlohmann::json doc = nlohmann::json::parse(read_file(p));
    nlohmann::json tok = doc["tokenizer"];
    if (!doc["base"].is_null()) {
      const fs::path base = hub / "fixtures" / (doc["base"].get<std::string>() + "-tokenizer") / "tokenizer.json";
      if (!fs::exists(base)) continue;
      const nlohmann::json b = nlohmann::json::parse(read_file(base));
      tok["model"]["vocab"] = b["model"]["vocab"];
      tok["model"]["merges"] = b["model"]["merges"];
    }
    out.push_back(Tokenizer::from_json_string(tok.dump()));
  }
  for (const char* dir : {"fixtures/stories260K", "hf-internal-testing/tiny-random-gpt2", "fixtures/gpt2-tokenizer",
                          "fixtures/llama2-tokenizer"}) {
    if (fs::exists(hub / dir / "tokenizer.json")) out.push_back(Tokenizer::from_directory(hub / dir));
  }
  if (out.empty()) {
    std::fprintf(stderr, "tokenizer_fuzzer: no tokenizers found under %s\n", root.c_str());
    std::abort();
  }
  std::fprintf(stderr, "tokenizer_fuzzer: %zu fixed tokenizers\n", out.size());
  return out;
}

const std::vector<std::unique_ptr<Tokenizer>>& fixed() {
  static const auto all = load_fixed();
  return all;
}

// Encode/decode never throw for any text. With `real_vocab`, every id must name a token (added-token
// ids may lie past vocab_size(), which counts entries as HF does). A fuzzed tokenizer.json may have a
// post-processor whose special-token ids are not in its vocabulary; HF emits those ids too.
void exercise(const Tokenizer& tok, std::string_view text, bool real_vocab) {
  for (bool special : {true, false}) {
    const auto ids = tok.encode(text, special);
    for (int32_t id : ids)
      if (id < 0 || (real_vocab && tok.id_to_token(id).empty())) std::abort();
    (void)tok.decode(ids, false);
    (void)tok.decode(ids, true);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fixed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    std::unique_ptr<Tokenizer> tok;
    try {
      tok = Tokenizer::from_json_string(rest);
    } catch (const lighteval::Error&) {
      return 0;  // a clear error for a malformed tokenizer.json
    }
    try {
      exercise(*tok, "Hello world! 123 \xC3\xA9t\xC3\xA9  \n\t<s> </s> 日本語", /*real_vocab=*/false);
      const int32_t n = static_cast<int32_t>(std::min<size_t>(tok->vocab_size(), 512));
      std::vector<int32_t> ids;
      for (int32_t i = -2; i < n + 2; ++i) {
        ids.push_back(i);
        (void)tok->id_to_token(i);
        (void)tok->is_special_id(i);
      }
      (void)tok->decode(ids, false);
      (void)tok->decode(ids, true);
      for (const auto& t : {tok->bos_token(), tok->eos_token(), tok->unk_token(), tok->pad_token()})
        if (t) (void)tok->token_to_id(*t);
      (void)tok->eos_token_ids();
    } catch (const lighteval::Error&) {
      // Decoding may legitimately fail on a tokenizer whose pieces are not valid (e.g. bad bytes).
    }
    return 0;
  }
  const auto& all = fixed();
  const Tokenizer& tok = *all[(data[0] / 2) % all.size()];
  exercise(tok, rest, /*real_vocab=*/true);
  // The same bytes as raw ids (out-of-range ones are skipped, as HF does).
  std::vector<int32_t> ids(rest.size() / 4);
  if (!ids.empty()) std::memcpy(ids.data(), rest.data(), ids.size() * 4);
  (void)tok.decode(ids, false);
  (void)tok.decode(ids, true);
  return 0;
}
