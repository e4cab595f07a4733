#include "backends/dummy_model.h"

#include <cstdlib>

namespace lighteval::backends {
namespace {

// random.Random(42) with an int seed; random.Random("42") when the seed came from the command line
// (v0.5 keeps it a string).
util::PyRandom make_random(const DummyModelConfig& config) {
  if (config.seed_is_int) return util::PyRandom(static_cast<int64_t>(std::strtoll(config.seed.c_str(), nullptr, 10)));
  return util::PyRandom(std::string_view(config.seed));
}

}  // namespace

DummyModel::DummyModel(const DummyModelConfig& config) : config_(config), random_(make_random(config)) {}

ModelInfo DummyModel::info() const {
  ModelInfo info;
  info.model_name = "dummy";
  info.model_sha = config_.seed;
  return info;
}

std::vector<LoglikelihoodResponse> DummyModel::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
  std::vector<LoglikelihoodResponse> out(requests.size());
  for (auto& r : out) {
    r.logprob = -random_.random();
    r.is_greedy = false;
  }
  return out;
}

std::vector<SingleTokenResponse> DummyModel::loglikelihood_single_token(std::span<const SingleTokenRequest> requests) {
  std::vector<SingleTokenResponse> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i)
    for (size_t c = 0; c < requests[i].choices.size(); ++c) out[i].logprobs.push_back(-random_.random());
  return out;
}

std::vector<RollingResponse> DummyModel::loglikelihood_rolling(std::span<const RollingRequest> requests) {
  std::vector<RollingResponse> out(requests.size());
  for (auto& r : out) r.logprob = -random_.random();
  return out;
}

std::vector<GenerationResponse> DummyModel::greedy_until(std::span<const GenerationRequest> requests) {
  std::vector<GenerationResponse> out(requests.size());
  for (auto& r : out) r.texts = {"random baseline"};
  return out;
}

}  // namespace lighteval::backends
