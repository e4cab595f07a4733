#include "backends/bos_probe.h"

#include <filesystem>

#include "hub/hub.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace lighteval::backends {
namespace {

namespace fs = std::filesystem;

// The tokenizer's directory as the native backend finds it: a local directory as is, else the
// Hub snapshot (from the cache when the model was just loaded, or offline).
fs::path tokenizer_dir(const NativeModelConfig& c) {
  const std::string& name = c.tokenizer ? *c.tokenizer : c.pretrained;
  const std::optional<std::string> subfolder = c.tokenizer ? std::nullopt : c.subfolder;
  fs::path dir;
  if (fs::is_directory(name)) {
    dir = name;
  } else {
    std::vector<std::string> patterns = {"*.json", "tokenizer.model", "*.txt"};
    if (subfolder)
      for (auto& p : patterns) p = *subfolder + "/" + p;
    dir = hub::HubClient().snapshot_download(name, hub::RepoType::model, c.revision, patterns);
  }
  if (subfolder) dir /= *subfolder;
  return dir;
}

class BosReportingModel final : public Model {
 public:
  BosReportingModel(std::unique_ptr<Model> inner, std::optional<std::string> bos)
      : inner_(std::move(inner)), bos_(std::move(bos)) {}

  ModelInfo info() const override { return inner_->info(); }
  std::vector<LoglikelihoodResponse> loglikelihood(std::span<const LoglikelihoodRequest> r) override {
    return inner_->loglikelihood(r);
  }
  std::vector<SingleTokenResponse> loglikelihood_single_token(std::span<const SingleTokenRequest> r) override {
    return inner_->loglikelihood_single_token(r);
  }
  std::vector<RollingResponse> loglikelihood_rolling(std::span<const RollingRequest> r) override {
    return inner_->loglikelihood_rolling(r);
  }
  std::vector<GenerationResponse> greedy_until(std::span<const GenerationRequest> r) override {
    return inner_->greedy_until(r);
  }
  std::optional<size_t> count_tokens(const std::string& text) const override { return inner_->count_tokens(text); }
  std::optional<int> max_length() const override { return inner_->max_length(); }
  std::optional<std::string> apply_chat_template(const Json& messages, bool add_generation_prompt) const override {
    return inner_->apply_chat_template(messages, add_generation_prompt);
  }
  std::optional<std::string> prepended_bos_token() const override { return bos_; }

 private:
  std::unique_ptr<Model> inner_;
  std::optional<std::string> bos_;
};

}  // namespace

std::optional<std::string> native_prepended_bos(const NativeModelConfig& config) {
  if (!config.add_special_tokens) return std::nullopt;
  const auto tok = tokenizer::Tokenizer::from_directory(tokenizer_dir(config));
  const std::optional<int32_t> bos_id = tok->bos_token_id();
  if (!bos_id) return std::nullopt;
  const std::vector<int32_t> ids = tok->encode("", true);
  if (ids.empty() || ids.front() != *bos_id) return std::nullopt;
  return tok->bos_token();
}

std::unique_ptr<Model> with_prepended_bos(std::unique_ptr<Model> inner, std::optional<std::string> bos) {
  return std::make_unique<BosReportingModel>(std::move(inner), std::move(bos));
}

}  // namespace lighteval::backends
