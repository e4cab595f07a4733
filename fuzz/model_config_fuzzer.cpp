// libFuzzer target for model loading (issue 5): a fuzzed config.json plus a small fuzzed safetensors
// checkpoint go through model/model_config.h parsing, the weight mapping of model/transformer.h on
// the CPU backend, and one short forward pass. Any outcome but a model or a lighteval::Error (a
// crash, a sanitizer report, an allocation far beyond what the checkpoint holds, another exception
// type) is a bug: a corrupt config.json must never make the loader ask for gigabytes.
// Input: config.json text, then "----weights----", then the safetensors bytes.
// fuzz-modules: model engine formats
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "engine/backend.h"
#include "engine/language_model.h"
#include "formats/safetensors.h"
#include "model/model_config.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace {

lighteval::engine::Backend& cpu() {
  static std::unique_ptr<lighteval::engine::Backend> be = lighteval::engine::make_backend("cpu", 1);
  return *be;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSep = "----weights----";
  const size_t cut = text.find(kSep);
  if (cut == std::string_view::npos) return 0;
  const lighteval::Json config = lighteval::Json::parse(text.substr(0, cut), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;  // JSON syntax is the json target's business
  try {
    lighteval::model::ModelConfig cfg = lighteval::model::parse_model_config(config, "fuzz/config.json");
    auto file = lighteval::formats::SafetensorsFile::from_bytes(text.substr(cut + kSep.size()), "fuzz.safetensors");
    auto weights = lighteval::formats::SafetensorsCheckpoint::from_files({file});
    lighteval::model::Transformer model(cfg, cpu(), weights);
    (void)model.activation_bytes_per_row();
    (void)model.position_limit();
    // Three tokens of one sequence, scored in one pass (the scorer's shape of batch).
    lighteval::engine::ForwardBatch batch;
    const int rows = 3;
    for (int i = 0; i < rows; ++i) {
      batch.tokens.push_back(i % model.vocab_size());
      batch.positions.push_back(i);
      batch.kv_rows.push_back(i);
      batch.output_rows.push_back(i);
    }
    batch.segments.push_back({0, rows, 0, {}});
    lighteval::engine::KvCache kv(cpu(), model.n_layers(), rows, model.kv_dim(), /*shared_layers=*/true);
    lighteval::engine::DeviceBuffer logits;
    model.forward(batch, kv, logits);
    if (logits.size() < static_cast<size_t>(rows) * model.vocab_size()) std::abort();
  } catch (const lighteval::Error& e) {
    if (std::getenv("LIGHTEVAL_FUZZ_VERBOSE")) std::fprintf(stderr, "error: %s\n", e.what());
    // A clear error is the expected outcome for a bad config or checkpoint.
  }
  return 0;
}
