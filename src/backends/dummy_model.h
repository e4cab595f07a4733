// backends/dummy_model: lighteval's DummyModel, the random baseline that lets the whole evaluation
// path run without a model. It answers exactly like v0.5's dummy_model.py: one
// random.Random(seed) draws -random() for every loglikelihood and rolling request (in request
// order), one -random() per choice of a single-token request, and "random baseline" for every
// generation. It has no tokenizer, so few-shot truncation never triggers.
#pragma once

#include "backends/model.h"
#include "backends/model_config.h"
#include "util/py_random.h"

namespace lighteval::backends {

class DummyModel final : public Model {
 public:
  explicit DummyModel(const DummyModelConfig& config);

  ModelInfo info() const override;
  std::vector<LoglikelihoodResponse> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
  std::vector<SingleTokenResponse> loglikelihood_single_token(std::span<const SingleTokenRequest> requests) override;
  std::vector<RollingResponse> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
  std::vector<GenerationResponse> greedy_until(std::span<const GenerationRequest> requests) override;
  std::optional<int> max_length() const override { return 2048; }  // v0.5's DummyModel.max_length

 private:
  DummyModelConfig config_;
  util::PyRandom random_;
};

}  // namespace lighteval::backends
