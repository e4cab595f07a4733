// backends/model_config: the typed model configurations that --model_args strings are parsed into
// (parsing and validation: backends/model_args.h). One struct per backend family.
#pragma once

#include <optional>
#include <string>

namespace lighteval::backends {

// The native engine, for both entry points: `accelerate` (lighteval's BaseModelConfig) and `vllm`
// (VLLMModelConfig). Fields keep lighteval v0.5's names and defaults.
struct NativeModelConfig {
  std::string pretrained;                  // Hub id or local directory (required)
  std::optional<std::string> tokenizer;    // Hub id or directory; default: pretrained
  std::optional<std::string> subfolder;
  std::string revision = "main";
  std::optional<int> max_length;           // default: config n_positions/max_position_embeddings/n_ctx, else 2048
  int max_gen_toks = 256;
  bool add_special_tokens = true;
  std::string dtype = "auto";              // auto | float32 | bfloat16 | float16
  std::string device = "auto";             // auto (cuda when usable, else cpu) | cpu | cuda | cuda:N
  std::optional<int> batch_size;           // sequences per batch cap (--override_batch_size); nullopt = automatic
  std::optional<bool> multichoice_continuations_start_space;
  bool pairwise_tokenization = false;
  bool trust_remote_code = false;          // accepted; no Python code is ever run
  bool use_chat_template = false;
  std::optional<double> gpu_memory_utilisation;  // vllm entry point default 0.9
  int seed = 1234;                               // vllm
  int tensor_parallel_size = 1;
  int pipeline_parallel_size = 1;
  int data_parallel_size = 1;
  bool model_parallel = false;
  std::optional<std::string> cache_dir;    // --cache_dir (HF cache root)
};

// lighteval's DummyModel: deterministic random answers, for tests and dry runs.
struct DummyModelConfig {
  std::string seed = "42";  // v0.5 keeps the CLI value a string: random.Random("123") seeds from the string
  bool seed_is_int = true;
};

}  // namespace lighteval::backends
