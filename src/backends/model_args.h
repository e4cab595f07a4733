// backends/model_args: turns a --model_args string into a
// typed backend configuration. The split follows lighteval v0.5's create_model_config
// ("k=v,k2,k3=v3", a bare key means True, `dummy` / `vllm` keys route to those backends); then,
// unlike v0.5, every key is checked against the backend's option list and every value is
// converted to its type, so a typo or a bad value is one clear error instead of a silent default.
// Deliberate differences from v0.5 are listed in docs/compatibility.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/model_config.h"

namespace lighteval::backends {

// Which lighteval entry point received the arguments: `accelerate` (BaseModelConfig keys, or a
// `vllm,`/`dummy,` prefix) or `vllm` (HEAD's `lighteval vllm`: VLLMModelConfig keys).
enum class EntryPoint { accelerate, vllm };

enum class BackendKind { native, vllm, dummy };

struct ModelArgs {
  BackendKind kind = BackendKind::native;
  NativeModelConfig native;  // kind native or vllm
  DummyModelConfig dummy;    // kind dummy
  bool compile = false;      // accepted for compatibility; our engine has no separate compile step
};

// Splits "k=v,k2,k3=v3" into ordered (key, value) pairs; a bare key gets the value "True". Empty
// segments (a trailing comma) are skipped. Throws UsageError for an empty key or a value that
// itself contains '=' (v0.5 silently kept only the text up to the second '=').
std::vector<std::pair<std::string, std::string>> split_model_args(std::string_view text);

// Parses and validates. Unknown key: UsageError listing the valid keys of that backend. Bad value:
// UsageError naming the key and the allowed values. A repeated key: the last one wins (as v0.5's
// dict comprehension does).
ModelArgs parse_model_args(std::string_view text, EntryPoint entry = EntryPoint::accelerate);

// The keys accepted for each backend, sorted (for error messages and --help).
std::vector<std::string> valid_model_arg_keys(BackendKind kind);

}  // namespace lighteval::backends
