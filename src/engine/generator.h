// engine/generator: greedy decoding of many sequences with continuous batching over a paged KV
// cache (vLLM-style). One KvCache of max_batch_tokens rows (rounded up to pages of kKvPageRows,
// see kv_pages.h; fewer when all requests together need fewer) serves the whole call. Requests
// are admitted in order while fewer than max_batch_sequences run and the free pages hold their
// prompt plus reserve_steps tokens of growth of every running sequence; each forward feeds one row
// per running sequence (pages taken as it grows) together with the whole prompts of the sequences
// admitted at that step (a mixed batch). A sequence ends at an EOS id, at max_new_tokens, or when
// `should_stop` (which the caller uses to check stop strings on decoded text) says so; its pages
// are freed at once and waiting requests take them. When the pages run out mid-decode, the most
// recently admitted sequence is preempted: its pages are freed and it is requeued at the front, to
// be recomputed later from its prompt and the tokens it had generated (the same tokens result).
// Limits: no chunked prefill (a prompt is fed in one forward), no sampling, no prefix sharing.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/language_model.h"

namespace lighteval::engine {

struct GenerateRequest {
  std::vector<int32_t> prompt;
  int max_new_tokens = 0;
};

struct GenerateOptions {
  std::vector<int32_t> eos_ids;  // generation ends after emitting one of these (it is kept)
  int max_batch_sequences = 16;  // sequences decoded together at most
  // KV rows of the page pool (rounded up to whole pages). A request needs prompt + max_new_tokens
  // - 1 rows (its last token is never fed back); one needing more than the pool is an error.
  int max_batch_tokens = 8192;
  // A request is admitted only when the free pages also let every running sequence (and it) grow
  // this many more tokens: fewer sequences at once when the pool is short, but preemption (and
  // recomputing) only after that many steps without a sequence ending. 0 = admit whenever the
  // prompt fits (vLLM's optimism); very large = never preempt.
  int reserve_steps = 64;
  // Called after each new token of request `index` with all its generated tokens so far.
  std::function<bool(size_t index, const std::vector<int32_t>& generated)> should_stop;
};

// Work done by one generate_greedy() call (for tests, logs and benchmarks).
struct GenerateStats {
  size_t forwards = 0;
  size_t preemptions = 0;   // sequences evicted mid-decode and recomputed later
  size_t max_live = 0;      // most sequences with a row in one forward
  size_t prefill_rows = 0;  // prompt rows fed (recomputed ones included)
  size_t decode_rows = 0;   // one-token decode rows fed
  int kv_rows = 0;          // rows of the KV cache allocated
};

// Generated tokens of each request, in request order. Throws lighteval::Error on an empty prompt,
// an out-of-range token, or a request that cannot fit the model's positions or the page pool.
std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model, const std::vector<GenerateRequest>& requests,
                                                  const GenerateOptions& options, GenerateStats* stats = nullptr);

}  // namespace lighteval::engine
