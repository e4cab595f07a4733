// libFuzzer target: arbitrary bytes as a JSON Lines file (see text_rows.h).
// fuzz-modules: formats
#include "text_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_text_rows(data, size, [](const std::string& text) { return lighteval::formats::open_jsonl_text(text, "fuzz.jsonl"); });
}
