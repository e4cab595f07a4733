// engine/scorer: loglikelihood scoring of token sequences. Requests are sorted by their token
// sequences and packed into token-budgeted batches without padding; inside a batch, requests that
// share a prefix (the choices of one question, a constant few-shot preamble) form a prefix tree
// whose shared tokens are computed once, and each continuation attends to its prefix's keys.
// Logits are computed only at scored rows, deduplicated, and reduced on the device to
// (sum log-prob, all-greedy) per request. share_prefixes=false is the plain oracle path. Each
// batch is laid out on the host while the previous one runs on the device (ops are queued
// asynchronously on a GPU), so host and device work overlap.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/language_model.h"

namespace lighteval::engine {

struct ScoreRequest {
  std::vector<int32_t> input;    // tokens fed to the model (ctx + cont[:-1], already truncated)
  std::vector<int32_t> targets;  // scored tokens: targets[i] is predicted at input row
                                 // input.size() - targets.size() + i
};

struct ScoreResult {
  double logprob = 0.0;
  bool is_greedy = true;
};

struct ScoreOptions {
  bool share_prefixes = true;
  int max_batch_tokens = 4096;   // rows per forward (a single longer request gets its own batch)
  int max_batch_sequences = 0;   // 0 = no cap (requests per batch)
  // Cap on scored positions per batch (0 = none): the logits buffer holds this many rows of the
  // vocabulary, which for a 50k vocabulary is 200 KB a row. A single request with more targets
  // still gets a batch of its own.
  int max_logit_rows = 0;
};

// Work done by one score() call (for tests, logs and benchmarks).
struct ScoreStats {
  size_t batches = 0;
  size_t rows = 0;          // tokens computed
  size_t input_tokens = 0;  // tokens the requests hold (what a no-sharing path computes)
  size_t logit_rows = 0;    // rows whose logits were computed
};

// Results in request order. Throws lighteval::Error on an empty input or out-of-range token.
std::vector<ScoreResult> score(LanguageModel& model, const std::vector<ScoreRequest>& requests,
                               const ScoreOptions& options = {}, ScoreStats* stats = nullptr);

}  // namespace lighteval::engine
