#include "backends/model_args.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>

#include "util/error.h"
#include "util/log.h"

namespace lighteval::backends {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

[[noreturn]] void bad_value(const std::string& key, const std::string& value, const std::string& allowed) {
  throw UsageError("model_args: " + key + "=" + value + " is not valid; " + key + " must be " + allowed);
}

// v0.5's boolstring_to_bool accepts True/true/False/false (and None for optional keys).
std::optional<bool> parse_optional_bool(const std::string& key, const std::string& value) {
  if (value == "None" || value == "none" || value == "null" || value.empty()) return std::nullopt;
  if (value == "True" || value == "true" || value == "1") return true;
  if (value == "False" || value == "false" || value == "0") return false;
  bad_value(key, value, "True, False or None");
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "True" || value == "true" || value == "1") return true;
  if (value == "False" || value == "false" || value == "0") return false;
  bad_value(key, value, "True or False");
}

int64_t parse_int(const std::string& key, const std::string& value, int64_t min_value, const std::string& what) {
  int64_t v = 0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  if (!value.empty() && *begin == '+') ++begin;
  auto [p, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || p != end || value.empty() || v < min_value || v > INT32_MAX) bad_value(key, value, what);
  return v;
}

double parse_fraction(const std::string& key, const std::string& value) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(value, &pos);
  } catch (const std::exception&) {
    bad_value(key, value, "a number in (0, 1]");
  }
  if (pos != value.size() || !(v > 0.0 && v <= 1.0)) bad_value(key, value, "a number in (0, 1]");
  return v;
}

std::string parse_nonempty(const std::string& key, const std::string& value) {
  if (value.empty() || value == "True") bad_value(key, value, "a non-empty string (key=value)");
  return value;
}

std::string parse_dtype(const std::string& key, const std::string& value) {
  std::string v = value;
  if (v.rfind("torch.", 0) == 0) v = v.substr(6);
  if (v == "float" || v == "fp32") v = "float32";
  if (v == "half" || v == "fp16") v = "float16";
  if (v == "bf16") v = "bfloat16";
  if (v == "auto" || v == "float32" || v == "float16" || v == "bfloat16") return v;
  if (v == "4bit" || v == "8bit") throw NotBuiltError("dtype=" + v + " (bitsandbytes quantization)");
  bad_value(key, value, "one of auto, float32, float16, bfloat16");
}

std::string parse_device(const std::string& key, const std::string& value) {
  if (value == "auto" || value == "cpu" || value == "cuda") return value;
  if (value.rfind("cuda:", 0) == 0) {
    parse_int(key, value.substr(5), 0, "cpu, cuda or cuda:N");
    return value;
  }
  bad_value(key, value, "auto, cpu, cuda or cuda:N");
}

using Setter = std::function<void(ModelArgs&, const std::string& key, const std::string& value)>;
using KeyTable = std::map<std::string, Setter>;

// Keys shared by BaseModelConfig (accelerate) and VLLMModelConfig.
void add_common_keys(KeyTable& t) {
  auto set_pretrained = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.pretrained = parse_nonempty(k, v);
  };
  t["pretrained"] = set_pretrained;
  t["model_name"] = set_pretrained;  // HEAD's name
  t["tokenizer"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.tokenizer = parse_nonempty(k, v);
  };
  t["subfolder"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.subfolder = parse_nonempty(k, v);
  };
  t["revision"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.revision = parse_nonempty(k, v);
  };
  t["dtype"] = [](ModelArgs& a, const std::string& k, const std::string& v) { a.native.dtype = parse_dtype(k, v); };
  t["add_special_tokens"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.add_special_tokens = parse_bool(k, v);
  };
  t["multichoice_continuations_start_space"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.multichoice_continuations_start_space = parse_optional_bool(k, v);
  };
  auto set_pairwise = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.pairwise_tokenization = parse_bool(k, v);
  };
  t["pairwise_tokenization"] = set_pairwise;
  t["pair_wise_tokenization"] = set_pairwise;  // v0.5's spelling
  t["trust_remote_code"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.trust_remote_code = parse_bool(k, v);
  };
  t["use_chat_template"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
    a.native.use_chat_template = parse_bool(k, v);
  };
}

const KeyTable& accelerate_keys() {
  static const KeyTable table = [] {
    KeyTable t;
    add_common_keys(t);
    t["max_length"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.max_length = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["max_gen_toks"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.max_gen_toks = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["device"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.device = parse_device(k, v);
    };
    t["batch_size"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      // v0.5: batch_size <= 0 means automatic.
      int64_t bs = parse_int(k, v, INT32_MIN, "an integer (<= 0 means automatic)");
      a.native.batch_size = bs > 0 ? std::optional<int>(static_cast<int>(bs)) : std::nullopt;
    };
    t["model_parallel"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.model_parallel = parse_optional_bool(k, v).value_or(false);
    };
    t["compile"] = [](ModelArgs& a, const std::string& k, const std::string& v) { a.compile = parse_bool(k, v); };
    return t;
  }();
  return table;
}

const KeyTable& vllm_keys() {
  static const KeyTable table = [] {
    KeyTable t;
    add_common_keys(t);
    auto set_gpu_mem = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.gpu_memory_utilisation = parse_fraction(k, v);
    };
    t["gpu_memory_utilisation"] = set_gpu_mem;
    t["gpu_memory_utilization"] = set_gpu_mem;  // HEAD's spelling
    t["max_model_length"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.max_length = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["tensor_parallel_size"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.tensor_parallel_size = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["pipeline_parallel_size"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.pipeline_parallel_size = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["data_parallel_size"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.data_parallel_size = static_cast<int>(parse_int(k, v, 1, "a positive integer"));
    };
    t["seed"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.native.seed = static_cast<int>(parse_int(k, v, 0, "a non-negative integer"));
    };
    // vLLM's CPU swap space in GiB: our engine has no swap, the value is checked and unused.
    t["swap_space"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      parse_int(k, v, 0, "a non-negative integer");
    };
    return t;
  }();
  return table;
}

const KeyTable& dummy_keys() {
  static const KeyTable table = [] {
    KeyTable t;
    // v0.5 keeps the CLI value a string, so random.Random("123") seeds from the string.
    t["seed"] = [](ModelArgs& a, const std::string& k, const std::string& v) {
      a.dummy.seed = parse_nonempty(k, v);
      a.dummy.seed_is_int = false;
    };
    return t;
  }();
  return table;
}

const KeyTable& table_for(BackendKind kind) {
  switch (kind) {
    case BackendKind::native:
      return accelerate_keys();
    case BackendKind::vllm:
      return vllm_keys();
    case BackendKind::dummy:
      return dummy_keys();
  }
  return accelerate_keys();
}

const char* backend_label(BackendKind kind) {
  switch (kind) {
    case BackendKind::native:
      return "the accelerate (transformers-style) backend";
    case BackendKind::vllm:
      return "the vllm backend";
    case BackendKind::dummy:
      return "the dummy model";
  }
  return "";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> split_model_args(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    // Surrounding spaces are never meaningful in a key=value list typed on a shell.
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string key(item.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "True" : std::string(item.substr(eq + 1));
      if (key.empty())
        throw UsageError("model_args: '" + std::string(item) + "' has no key; write key=value pairs separated by commas");
      if (value.find('=') != std::string::npos)
        throw UsageError("model_args: the value of " + key + " contains '='; values cannot contain '=' or ','");
      out.emplace_back(std::move(key), std::move(value));
    }
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> valid_model_arg_keys(BackendKind kind) {
  std::vector<std::string> keys;
  for (const auto& [k, _] : table_for(kind)) keys.push_back(k);
  if (kind == BackendKind::dummy) keys.push_back("dummy");
  if (kind == BackendKind::vllm) keys.push_back("vllm");
  std::sort(keys.begin(), keys.end());
  return keys;
}

ModelArgs parse_model_args(std::string_view text, EntryPoint entry) {
  auto pairs = split_model_args(text);
  if (pairs.empty())
    throw UsageError("model_args is empty; give pretrained=<model id or directory> (or 'dummy' for the random baseline)");
  // A repeated key keeps its last value, like v0.5's dict comprehension.
  std::vector<std::pair<std::string, std::string>> unique;
  for (auto& p : pairs) {
    auto it = std::find_if(unique.begin(), unique.end(), [&](const auto& u) { return u.first == p.first; });
    if (it != unique.end())
      it->second = p.second;
    else
      unique.push_back(p);
  }
  ModelArgs args;
  bool has_dummy = false, has_vllm = false;
  for (const auto& [k, v] : unique) {
    if (k == "dummy") has_dummy = true;
    if (k == "vllm") has_vllm = true;
    if (k == "openai") throw NotBuiltError("the OpenAI-compatible endpoint backend (model_args 'openai')");
  }
  if (has_dummy)
    args.kind = BackendKind::dummy;
  else if (has_vllm || entry == EntryPoint::vllm)
    args.kind = BackendKind::vllm;
  if (args.kind == BackendKind::vllm) {
    // VLLMModelConfig's own defaults differ from BaseModelConfig's.
    args.native.gpu_memory_utilisation = 0.9;
    args.native.multichoice_continuations_start_space = true;
  }
  const KeyTable& table = table_for(args.kind);
  for (const auto& [k, v] : unique) {
    if ((k == "dummy" && args.kind == BackendKind::dummy) || (k == "vllm" && args.kind == BackendKind::vllm)) continue;
    auto it = table.find(k);
    if (it == table.end())
      throw UsageError("model_args: unknown key '" + k + "' for " + backend_label(args.kind) +
                       "; valid keys: " + join(valid_model_arg_keys(args.kind), ", "));
    it->second(args, k, v);
  }
  if (args.kind != BackendKind::dummy && args.native.pretrained.empty())
    throw UsageError("model_args needs pretrained=<Hub model id or local directory> (or 'dummy' for the random baseline)");
  // Accepted for compatibility, and said so instead of being silently ignored.
  if (args.compile) log::warning("model_args: compile=True has no effect with the native engine");
  for (const auto& [k, v] : unique) {
    if (k == "swap_space") log::warning("model_args: swap_space has no effect: the native engine has no CPU swap");
    if (k == "seed" && args.kind == BackendKind::vllm)
      log::warning("model_args: seed has no effect: the native engine decodes greedily (no sampling)");
  }
  return args;
}

}  // namespace lighteval::backends
