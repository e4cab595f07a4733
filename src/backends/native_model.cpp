// The native engine behind the Model interface: tokenizer + Transformer + the engine's scorer and
// generator. Tokenization follows lighteval v0.5 (research/lighteval.md §4.2-4.4); deliberate
// differences: no padding (padded_tokens is 0), rolling loglikelihood is windowed at max_length
// like lm-eval (v0.5 fed whole documents), generations longer than max_length truncate the
// context from the left instead of shrinking to one token, and a generation request without a
// generation_size gets max_gen_toks new tokens (v0.5 ignored max_gen_toks and generated up to
// max_length; lm-eval and later lighteval cap at max_gen_toks / max_new_tokens).
#include "backends/native_model.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <unordered_map>

#include "backends/native_requests.h"
#include "engine/backend.h"
#include "engine/generator.h"
#include "engine/scorer.h"
#include "hub/hub.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"

namespace lighteval::backends {
namespace {

namespace fs = std::filesystem;

// A local directory is used as is; anything else is a Hub repo id, downloaded (or read from the
// cache) with only the files the engine and tokenizer read.
fs::path resolve_dir(const std::string& name, const std::string& revision, const std::optional<std::string>& subfolder,
                     std::string* commit) {
  fs::path dir;
  if (fs::is_directory(name)) {
    dir = name;
  } else {
    if (name.empty()) throw UsageError("--model_args needs pretrained=<Hub repo id or local directory>");
    if (name.find("..") != std::string::npos || name.front() == '/' || name.front() == '.')
      throw Error("model directory '" + name + "' does not exist");
    std::vector<std::string> patterns = {"*.json", "*.safetensors", "tokenizer.model", "*.txt"};
    if (subfolder) {
      for (auto& p : patterns) p = *subfolder + "/" + p;
    }
    hub::HubClient client;
    dir = client.snapshot_download(name, hub::RepoType::model, revision, patterns);
    if (commit && hub::is_commit_hash(dir.filename().string())) *commit = dir.filename().string();
    if (subfolder) dir /= *subfolder;
    return dir;
  }
  if (subfolder) dir /= *subfolder;
  if (!fs::is_directory(dir)) throw Error("model directory " + dir.string() + " does not exist");
  return dir;
}

std::string human_size(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

class NativeModel final : public Model {
 public:
  explicit NativeModel(const NativeModelConfig& c) : cfg_(c) {
    if (c.dtype != "auto" && c.dtype != "float32" && c.dtype != "bfloat16" && c.dtype != "float16" &&
        c.dtype != "float")
      throw UsageError("dtype '" + c.dtype + "' is not supported (auto, float32, bfloat16, float16)");
    if (c.tensor_parallel_size > 1 || c.pipeline_parallel_size > 1 || c.data_parallel_size > 1 || c.model_parallel)
      throw NotBuiltError("model/tensor/pipeline parallelism in the native engine");
    backend_ = engine::make_backend(c.device);
    std::string commit;
    const fs::path model_dir = resolve_dir(c.pretrained, c.revision, c.subfolder, &commit);
    const fs::path tok_dir =
        c.tokenizer ? resolve_dir(*c.tokenizer, c.revision, std::nullopt, nullptr) : model_dir;
    engine::DType wtype = engine::DType::f32;
    if (backend_->device() == engine::Device::cuda) {
      // auto = the checkpoint's dtype, except that fp32 checkpoints run in bf16 (as vLLM does);
      // dtype=float32 keeps fp32 weights.
      std::string want = c.dtype;
      if (want == "auto") {
        const auto conf = model::load_model_config((model_dir / "config.json").string());
        want = conf.dtype == "float16" ? "float16" : "bfloat16";
      }
      wtype = want == "float16" ? engine::DType::f16 : want == "bfloat16" ? engine::DType::bf16 : engine::DType::f32;
      backend_->set_weight_dtype(wtype);
    }
    warn_about_remote_code(model_dir / "config.json", c.trust_remote_code);
    model_ = model::load_transformer(model_dir.string(), *backend_);
    tokenizer_ = tokenizer::Tokenizer::from_directory(tok_dir);
    const auto& mc = model_->config();
    if (backend_->device() == engine::Device::cpu && (c.dtype == "bfloat16" || c.dtype == "float16"))
      log::info("dtype={}: the CPU engine computes in float32", c.dtype);
    max_length_ = c.max_length.value_or(mc.max_position_embeddings);
    if (max_length_ <= 0) throw UsageError("max_length must be positive");
    if (auto lim = model_->position_limit(); lim && max_length_ > *lim) {
      log::warning("max_length {} exceeds the model's {} positions; using {}", max_length_, *lim, *lim);
      max_length_ = *lim;
    }
    if (mc.sliding_window && max_length_ > *mc.sliding_window) {
      log::warning("max_length {} exceeds the sliding window {}; using {} so attention stays exact", max_length_,
                   *mc.sliding_window, *mc.sliding_window);
      max_length_ = *mc.sliding_window;
    }
    auto eos = tokenizer_->eos_token_id();
    if (!eos && !mc.eos_token_ids.empty()) eos = mc.eos_token_ids.front();
    if (!eos) throw Error("the tokenizer in " + tok_dir.string() + " has no EOS token, which lighteval needs");
    eos_ = *eos;
    // Generation stops at any EOS the tokenizer, config.json or the model's generation_config.json
    // names (the tokenizer reads its own folder's; with tokenizer= that is another folder).
    eos_ids_ = tokenizer_->eos_token_ids();
    std::vector<int32_t> model_eos(mc.eos_token_ids.begin(), mc.eos_token_ids.end());
    read_generation_eos(model_dir / "generation_config.json", model_eos);
    for (int32_t id : model_eos)
      if (std::find(eos_ids_.begin(), eos_ids_.end(), id) == eos_ids_.end()) eos_ids_.push_back(id);
    info_.model_name = c.pretrained;
    info_.model_sha = commit;
    info_.model_dtype = std::string("torch.") + engine::dtype_name(wtype);
    info_.model_size =
        human_size(static_cast<double>(model_->parameter_count()) * (wtype == engine::DType::f32 ? 4 : 2));
    score_opt_.max_batch_sequences = c.batch_size.value_or(0);
    score_opt_.max_batch_tokens = std::max(max_length_, 4096);
    gen_batch_tokens_ = 8192;
    if (backend_->device() == engine::Device::cuda)
      size_for_device(c, mc);
    else
      size_for_host(mc);
  }

  ModelInfo info() const override { return info_; }
  std::optional<size_t> count_tokens(const std::string& text) const override {
    return tokenizer_->encode(text, cfg_.add_special_tokens).size();
  }
  std::optional<int> max_length() const override { return max_length_; }
  std::optional<std::string> prepended_bos_token() const override {
    return prepended_bos(*tokenizer_, cfg_.add_special_tokens);
  }
  std::optional<std::string> apply_chat_template(const Json& messages, bool add_generation_prompt) const override {
    if (!tokenizer_->chat_template()) return std::nullopt;
    return tokenizer_->apply_chat_template(messages, add_generation_prompt);
  }

  // Requests go in chunks of consecutive requests (a task's requests stay together, so prefix
  // sharing is kept): chunk i+1 is tokenised on other threads while chunk i is scored.
  static constexpr size_t kScoreChunk = 8192;
  std::vector<LoglikelihoodResponse> loglikelihood(std::span<const LoglikelihoodRequest> requests) override {
    std::vector<LoglikelihoodResponse> out(requests.size());
    auto encode = [this, requests](size_t begin) {
      return encode_pairs(requests.subspan(begin, std::min(kScoreChunk, requests.size() - begin)));
    };
    std::future<EncodedPairs> next;
    if (!requests.empty()) next = std::async(std::launch::async, encode, 0);
    for (size_t begin = 0; begin < requests.size(); begin += kScoreChunk) {
      EncodedPairs pairs = next.get();
      if (begin + kScoreChunk < requests.size()) next = std::async(std::launch::async, encode, begin + kScoreChunk);
      score_chunk(pairs, std::span<LoglikelihoodResponse>(out).subspan(begin, pairs.size()));
    }
    return out;
  }

 private:
  using EncodedPairs = std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>;
  void score_chunk(EncodedPairs& pairs, std::span<LoglikelihoodResponse> out) {
    std::vector<engine::ScoreRequest> sreqs;
    std::vector<size_t> which;
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto& [ctx, cont] = pairs[i];
      auto& r = out[i];
      r.continuation_tokens = cont;
      if (cont.empty()) {  // nothing to score: log 1 = 0, trivially greedy
        r.input_tokens = ctx;
        r.is_greedy = true;
        continue;
      }
      std::vector<int32_t> inp = ctx;
      inp.insert(inp.end(), cont.begin(), cont.end() - 1);
      if (static_cast<int>(inp.size()) > max_length_) {
        r.truncated_tokens = static_cast<int>(inp.size()) - max_length_;
        inp.erase(inp.begin(), inp.end() - max_length_);
      }
      // A continuation longer than the window: only its last max_length tokens can be scored.
      std::vector<int32_t> targets = cont;
      if (targets.size() > inp.size()) targets.erase(targets.begin(), targets.end() - inp.size());
      r.input_tokens = inp;
      sreqs.push_back({std::move(inp), std::move(targets)});
      which.push_back(i);
    }
    const auto res = engine::score(*model_, sreqs, score_opt_);
    for (size_t k = 0; k < which.size(); ++k) {
      out[which[k]].logprob = res[k].logprob;
      out[which[k]].is_greedy = res[k].is_greedy;
    }
  }

 public:

  std::vector<SingleTokenResponse> loglikelihood_single_token(std::span<const SingleTokenRequest> requests) override {
    std::vector<SingleTokenResponse> out(requests.size());
    std::vector<engine::ScoreRequest> sreqs;
    const int mode = cfg_.multichoice_continuations_start_space ? (*cfg_.multichoice_continuations_start_space ? 1 : 0) : -1;
    for (size_t i = 0; i < requests.size(); ++i) {
      auto& r = out[i];
      std::vector<int32_t> ctx = requests[i].context.empty() ? std::vector<int32_t>{eos_}
                                                             : tokenizer_->encode(requests[i].context, cfg_.add_special_tokens);
      if (static_cast<int>(ctx.size()) > max_length_) {
        r.truncated_tokens = static_cast<int>(ctx.size()) - max_length_;
        ctx.erase(ctx.begin(), ctx.end() - max_length_);
      }
      r.input_tokens = ctx;
      for (const auto& choice : requests[i].choices) {
        const auto ids = tokenizer_->encode(apply_start_space(choice, mode), false);
        if (ids.size() != 1)
          throw Error("choice '" + choice + "' is " + std::to_string(ids.size()) +
                      " tokens, but single-token loglikelihood needs exactly one");
        r.choice_tokens.push_back(ids[0]);
        sreqs.push_back({ctx, {ids[0]}});
      }
    }
    const auto res = engine::score(*model_, sreqs, score_opt_);
    size_t k = 0;
    for (auto& r : out)
      for (size_t c = 0; c < r.choice_tokens.size(); ++c) r.logprobs.push_back(res[k++].logprob);
    return out;
  }

  std::vector<RollingResponse> loglikelihood_rolling(std::span<const RollingRequest> requests) override {
    std::vector<RollingResponse> out(requests.size());
    std::vector<engine::ScoreRequest> sreqs;
    std::vector<size_t> owner;
    for (size_t i = 0; i < requests.size(); ++i) {
      out[i].tokens = tokenizer_->encode(requests[i].text, cfg_.add_special_tokens);
      for (auto& w : rolling_windows(out[i].tokens, eos_, max_length_)) {
        sreqs.push_back({std::move(w.input), std::move(w.targets)});
        owner.push_back(i);
      }
    }
    const auto res = engine::score(*model_, sreqs, score_opt_);
    for (size_t k = 0; k < res.size(); ++k) out[owner[k]].logprob += res[k].logprob;
    return out;
  }

  std::vector<GenerationResponse> greedy_until(std::span<const GenerationRequest> requests) override {
    std::vector<GenerationResponse> out(requests.size());
    std::vector<engine::GenerateRequest> greqs;
    std::vector<std::vector<std::string>> stops(requests.size());
    const std::string eos_text = tokenizer_->eos_token().value_or("");
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto& q = requests[i];
      if (q.num_samples > 1)
        throw NotBuiltError("sampling several generations per request (num_samples > 1) in the native engine");
      std::vector<int32_t> ctx = tokenizer_->encode(q.context, cfg_.add_special_tokens);
      if (ctx.empty()) ctx.push_back(eos_);
      int new_tokens = q.generation_size ? *q.generation_size : cfg_.max_gen_toks;
      new_tokens = std::max(1, std::min(new_tokens, max_length_ - 1));
      if (static_cast<int>(ctx.size()) + new_tokens > max_length_) {
        const int keep = max_length_ - new_tokens;
        out[i].truncated_tokens = static_cast<int>(ctx.size()) - keep;
        ctx.erase(ctx.begin(), ctx.end() - keep);
      }
      out[i].input_tokens = ctx;
      stops[i] = q.stop_sequences;
      if (!eos_text.empty()) stops[i].push_back(eos_text);
      greqs.push_back({std::move(ctx), new_tokens});
    }
    engine::GenerateOptions opt;
    opt.eos_ids = eos_ids_;
    opt.max_batch_sequences = cfg_.batch_size.value_or(backend_->device() == engine::Device::cuda ? 64 : 16);
    opt.max_batch_tokens = std::max(gen_batch_tokens_, max_length_);
    opt.should_stop = [&](size_t idx, const std::vector<int32_t>& gen) {
      const std::string text = tokenizer_->decode(gen, false);
      for (const auto& s : stops[idx])
        if (!s.empty() && text.find(s) != std::string::npos) return true;
      return false;
    };
    const auto gens = engine::generate_greedy(*model_, greqs, opt);
    for (size_t i = 0; i < requests.size(); ++i) {
      std::string text = tokenizer_->decode(gens[i], true);
      for (const auto& s : requests[i].stop_sequences)
        if (!s.empty()) text = text.substr(0, text.find(s));
      out[i].texts.push_back(std::move(text));
      out[i].output_tokens.push_back(gens[i]);
    }
    return out;
  }

 private:
  // Token budgets from the device memory left after loading the weights: a fraction
  // (gpu_memory_utilisation, default 0.8 of what is free) split between activations, the
  // scoring KV store (one layer, reused) and the logits; generation's KV cache (all layers) gets
  // the same share. Sized once, up front, so a run never goes out of memory and retries.
  void size_for_device(const NativeModelConfig& c, const model::ModelConfig& mc) {
    const double util = c.gpu_memory_utilisation.value_or(0.8);
    const double free = static_cast<double>(backend_->free_memory()) * util;
    // K and V rows are stored in the activation dtype (2 bytes each on a bf16/fp16 GPU run).
    const double kv_bytes = 2.0 * static_cast<double>(backend_->activation_size()) * model_->kv_dim();
    const double act = static_cast<double>(model_->activation_bytes_per_row()) +
                       2.0 * mc.intermediate_size + kv_bytes + 4.0 * mc.vocab_size;
    const int fit = static_cast<int>(std::min(free / act, 65536.0));
    score_opt_.max_batch_tokens = std::max(std::min(fit, 16384), std::min(max_length_, fit));
    if (fit < max_length_)
      throw Error("the GPU has room for " + std::to_string(fit) + " tokens per batch after loading the weights, "
                  "fewer than max_length " + std::to_string(max_length_) + "; lower max_length or use dtype=bfloat16");
    const double kv_row = kv_bytes * mc.n_layers + act;
    gen_batch_tokens_ = static_cast<int>(std::min(free / kv_row, 1.0e6));
    log::info("{}: {} tokens per scoring batch, {} KV rows for generation", backend_->name(),
              score_opt_.max_batch_tokens, gen_batch_tokens_);
  }

  // CPU budgets relative to the weights, so that an evaluation's peak memory stays near weights +
  // KV cache: scoring activations and their one-layer KV store within ~10% of the weight bytes
  // (512 to 4096 rows: enough to share prefixes and keep GEMMs efficient), logits within ~5%
  // (16 to 1024 rows), generation's all-layer KV cache within ~50% but at least max_length rows.
  void size_for_host(const model::ModelConfig& mc) {
    const double weights = static_cast<double>(model_->parameter_count()) * sizeof(float);
    const double row = static_cast<double>(model_->activation_bytes(4096)) / 4096 + 8.0 * model_->kv_dim();
    score_opt_.max_batch_tokens = static_cast<int>(std::clamp(0.07 * weights / row, 512.0, 4096.0));
    score_opt_.max_logit_rows =
        static_cast<int>(std::clamp(0.03 * weights / (4.0 * mc.vocab_size), 16.0, 1024.0));
    const double kv_row = 8.0 * model_->kv_dim() * mc.n_layers;
    gen_batch_tokens_ = std::max(max_length_, static_cast<int>(std::clamp(0.5 * weights / kv_row, 256.0, 8192.0)));
    log::info("cpu: weights {:.0f} MiB; scoring batches of {} tokens (KV {:.0f} MiB, activations {:.0f} MiB, logits "
              "{} rows = {:.0f} MiB); generation KV cache up to {} tokens = {:.0f} MiB",
              weights / 1048576.0, score_opt_.max_batch_tokens,
              8.0 * model_->kv_dim() * score_opt_.max_batch_tokens / 1048576.0,
              model_->activation_bytes(score_opt_.max_batch_tokens) / 1048576.0, score_opt_.max_logit_rows,
              4.0 * mc.vocab_size * score_opt_.max_logit_rows / 1048576.0, gen_batch_tokens_,
              kv_row * gen_batch_tokens_ / 1048576.0);
  }

  // eos_token_id (an int or a list) of a generation_config.json, if the file is there and valid.
  static void read_generation_eos(const fs::path& path, std::vector<int32_t>& ids) {
    std::ifstream in(path);
    if (!in) return;
    const Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("eos_token_id")) return;
    const Json& e = j["eos_token_id"];
    auto add = [&](const Json& v) {
      if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < (int64_t{1} << 31))
        ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
    };
    if (e.is_array())
      for (const auto& v : e) add(v);
    else
      add(e);
  }

  // A supported architecture whose config.json also names custom code (auto_map): transformers
  // runs that code only with trust_remote_code=True; we never run Python, so say which
  // implementation is used instead. (An unsupported one with auto_map is an error in the config
  // parser.)
  static void warn_about_remote_code(const fs::path& config_path, bool trust_remote_code) {
    if (!trust_remote_code) return;
    std::ifstream in(config_path);
    const Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("auto_map") || !j["auto_map"].is_object() ||
        !j["auto_map"].contains("AutoModelForCausalLM"))
      return;
    log::warning("trust_remote_code=True: {} asks for custom modelling code (auto_map), which lighteval-cpp never "
                 "runs; the built-in implementation of its architecture is used",
                 config_path.string());
  }

  // encode_pair over many requests at once: every distinct text is encoded once (the choices of
  // a question share its context) and the texts are encoded in parallel (encode_batch). On a GPU
  // run of MMLU this was a quarter of the wall time when done one request at a time.
  std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> encode_pairs(
      std::span<const LoglikelihoodRequest> requests) const {
    std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> out(requests.size());
    if (cfg_.pairwise_tokenization) {
      for (size_t i = 0; i < requests.size(); ++i) out[i] = encode_pair(requests[i].context, requests[i].continuation);
      return out;
    }
    std::vector<std::string> texts;
    std::unordered_map<std::string, size_t> index;
    auto add = [&](std::string text) {
      auto [it, fresh] = index.try_emplace(text, texts.size());
      if (fresh) texts.push_back(std::move(text));
      return it->second;
    };
    struct Job {
      size_t whole = 0, ctx = 0;
      bool empty_context = false;
    };
    std::vector<Job> jobs(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      std::string context = requests[i].context, continuation = requests[i].continuation;
      if (context.empty()) {
        jobs[i] = {add(std::move(continuation)), 0, true};
        continue;
      }
      const size_t n = trailing_whitespace_bytes(context);
      if (n) {
        continuation = context.substr(context.size() - n) + continuation;
        context.resize(context.size() - n);
      }
      const size_t whole = add(context + continuation);
      jobs[i] = {whole, add(std::move(context)), false};
    }
    const auto ids = tokenizer_->encode_batch(texts, cfg_.add_special_tokens);
    for (size_t i = 0; i < requests.size(); ++i) {
      const Job& j = jobs[i];
      if (j.empty_context) {
        out[i] = {{eos_}, ids[j.whole]};
        continue;
      }
      const auto& ctx = ids[j.ctx];
      const auto& whole = ids[j.whole];
      // v0.5 keeps the context's own encoding and cuts the continuation from the joint one.
      const size_t split = std::min(ctx.size(), whole.size());
      out[i] = {ctx, std::vector<int32_t>(whole.begin() + split, whole.end())};
    }
    return out;
  }

  // lighteval v0.5 tok_encode_pair (non-pairwise), with the empty-context rule of _loglikelihood.
  std::pair<std::vector<int32_t>, std::vector<int32_t>> encode_pair(std::string context, std::string continuation) const {
    if (context.empty()) return {{eos_}, tokenizer_->encode(continuation, cfg_.add_special_tokens)};
    const size_t n = trailing_whitespace_bytes(context);
    if (n) {
      continuation = context.substr(context.size() - n) + continuation;
      context.resize(context.size() - n);
    }
    if (cfg_.pairwise_tokenization) {
      auto ctx = tokenizer_->encode(context, cfg_.add_special_tokens);
      auto cont = tokenizer_->encode(continuation, false);
      return {ctx, cont};
    }
    const auto whole = tokenizer_->encode(context + continuation, cfg_.add_special_tokens);
    auto ctx = tokenizer_->encode(context, cfg_.add_special_tokens);
    // v0.5 keeps the context's own encoding and cuts the continuation from the joint one.
    const size_t split = std::min(ctx.size(), whole.size());
    return {std::move(ctx), std::vector<int32_t>(whole.begin() + split, whole.end())};
  }

  NativeModelConfig cfg_;
  std::unique_ptr<engine::Backend> backend_;
  std::unique_ptr<model::Transformer> model_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  int max_length_ = 2048;
  int32_t eos_ = 0;
  std::vector<int32_t> eos_ids_;
  ModelInfo info_;
  engine::ScoreOptions score_opt_;
  int gen_batch_tokens_ = 8192;
};

}  // namespace

std::unique_ptr<Model> make_native_model(const NativeModelConfig& config) {
  return std::make_unique<NativeModel>(config);
}

}  // namespace lighteval::backends
