#include "engine/generator.h"

#include <algorithm>
#include <deque>
#include <string>

#include "engine/kv_pages.h"
#include "util/error.h"

namespace lighteval::engine {
namespace {

// Where one request stands. A request's cache holds `length` positions: its prompt and all its
// generated tokens but the last, which is the one fed at the next decode step.
struct SeqState {
  std::vector<int32_t> generated;
  int length = 0;
};

void validate(LanguageModel& model, const std::vector<GenerateRequest>& requests, int pool_rows) {
  const int vocab = model.vocab_size();
  const auto limit = model.position_limit();
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.prompt.empty()) throw Error("generation request " + std::to_string(i) + " has an empty prompt");
    for (int32_t t : r.prompt)
      if (t < 0 || t >= vocab)
        throw Error("token id " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(vocab) +
                    " (tokenizer and model do not match)");
    if (r.max_new_tokens <= 0) continue;
    const long prompt = static_cast<long>(r.prompt.size());
    if (limit && prompt + r.max_new_tokens > *limit + 1)
      throw Error("generation request " + std::to_string(i) + " needs more than the model's " +
                  std::to_string(*limit) + " positions (lower max_length or the generation size)");
    const long rows = prompt + r.max_new_tokens - 1;
    if (rows > pool_rows)
      throw Error("generation request " + std::to_string(i) + " needs " + std::to_string(rows) + " KV rows (" +
                  std::to_string(prompt) + " prompt tokens + " + std::to_string(r.max_new_tokens) +
                  " new tokens - 1) but the KV cache has " + std::to_string(pool_rows) +
                  " rows; lower max_length or the generation size, or raise the KV budget (max_batch_tokens)");
  }
}

class Scheduler {
 public:
  Scheduler(LanguageModel& model, const std::vector<GenerateRequest>& requests, const GenerateOptions& opt, int pages,
            GenerateStats& stats)
      : model_(model), requests_(requests), opt_(opt), stats_(stats), pages_(pages),
        kv_(model.backend(), model.n_layers(), pages_.total_rows(), model.kv_dim(), false),
        state_(requests.size()), cap_(static_cast<size_t>(std::max(1, opt.max_batch_sequences))) {
    stats_.kv_rows = pages_.total_rows();
    for (size_t i = 0; i < requests.size(); ++i)
      if (requests[i].max_new_tokens > 0) waiting_.push_back(i);
  }

  std::vector<std::vector<int32_t>> run() {
    std::vector<std::vector<int32_t>> out(requests_.size());
    while (!running_.empty() || !waiting_.empty()) {
      const size_t decoding = grow_running();
      const std::vector<size_t> admitted = admit();
      if (decoding == 0 && admitted.empty())
        throw Error("generation scheduler made no progress (internal error)");
      step(decoding, admitted, out);
    }
    return out;
  }

 private:
  int fed_length(size_t r) const {
    return static_cast<int>(requests_[r].prompt.size() + state_[r].generated.size());
  }

  // Rows the request needs if it runs to max_new_tokens (its last token is never fed).
  int expected_rows(size_t r) const {
    return static_cast<int>(requests_[r].prompt.size()) + requests_[r].max_new_tokens - 1;
  }

  void preempt_last() {
    const size_t victim = running_.back();
    running_.pop_back();
    pages_.release(static_cast<int64_t>(victim));
    state_[victim].length = 0;
    waiting_.push_front(victim);
    ++stats_.preemptions;
  }

  // Gives every running sequence the page for its next row, preempting the most recently admitted
  // sequences while pages are short. Returns how many sequences decode this step (all still running).
  size_t grow_running() {
    for (size_t i = 0; i < running_.size(); ++i) {
      const size_t r = running_[i];
      while (!pages_.reserve(static_cast<int64_t>(r), state_[r].length + 1, expected_rows(r))) {
        if (running_.size() == 1)
          throw Error("generation request " + std::to_string(r) + " does not fit the KV cache alone (internal error)");
        const bool self = running_.back() == r;
        preempt_last();
        if (self) break;
      }
    }
    return running_.size();
  }

  // Pages `r` still has to take to hold its rows `steps` tokens from now (capped at its last).
  int growth_pages(size_t r, int steps) const {
    const int rows = static_cast<int>(std::min<long>(expected_rows(r), static_cast<long>(fed_length(r)) + steps));
    return std::max(0, KvPages::pages_for(rows, pages_.page_rows()) - pages_.capacity(static_cast<int64_t>(r)) / pages_.page_rows());
  }

  // Admits waiting requests in order while the cap and the free pages allow: pages for the whole
  // prompt (with the recomputed tokens of a preempted one), and for every running sequence and
  // this one to grow reserve_steps more tokens (so preemption comes only after that many steps
  // without any sequence ending). The first one is admitted whenever its prompt fits.
  std::vector<size_t> admit() {
    std::vector<size_t> admitted;
    const int steps = std::max(0, opt_.reserve_steps);
    int running_growth = 0;  // growth_pages of the running sequences
    for (size_t q : running_) running_growth += growth_pages(q, steps);
    while (!waiting_.empty() && running_.size() < cap_) {
      const size_t r = waiting_.front();
      const int rows = fed_length(r);
      const int own = running_.empty() ? KvPages::pages_for(rows, pages_.page_rows()) : growth_pages(r, steps);
      const int need = own + running_growth;
      if (need > pages_.free_pages()) break;
      if (!pages_.reserve(static_cast<int64_t>(r), rows, expected_rows(r))) break;
      waiting_.pop_front();
      running_.push_back(r);
      admitted.push_back(r);
      running_growth += growth_pages(r, steps);
    }
    return admitted;
  }

  // One forward: a decode row for each of the first `decoding` running sequences, then the
  // prompts of the admitted ones; then one new token for each.
  void step(size_t decoding, const std::vector<size_t>& admitted, std::vector<std::vector<int32_t>>& out) {
    ForwardBatch fb;
    std::vector<size_t> order;  // request of each output row
    for (size_t i = 0; i < decoding; ++i) {
      const size_t r = running_[i];
      const auto seq = static_cast<int64_t>(r);
      SeqState& s = state_[r];
      const int32_t row = static_cast<int32_t>(fb.tokens.size());
      const int32_t kv_row = pages_.row(seq, s.length);
      fb.tokens.push_back(s.generated.back());
      fb.positions.push_back(s.length);
      fb.kv_rows.push_back(kv_row);
      fb.segments.push_back({row, 1, kv_row, pages_.rows_of(seq, 0, s.length)});
      fb.output_rows.push_back(row);
      order.push_back(r);
    }
    for (size_t r : admitted) {
      const auto seq = static_cast<int64_t>(r);
      const auto& prompt = requests_[r].prompt;
      const auto& gen = state_[r].generated;
      const int n = fed_length(r);
      const int32_t base = static_cast<int32_t>(fb.tokens.size());
      for (int p = 0; p < n; ++p) {
        fb.tokens.push_back(p < static_cast<int>(prompt.size()) ? prompt[p] : gen[p - prompt.size()]);
        fb.positions.push_back(p);
        fb.kv_rows.push_back(pages_.row(seq, p));
      }
      // One segment per run of adjacent KV rows; each attends to the runs before it.
      const std::vector<KvSpan> spans = pages_.rows_of(seq, 0, n);
      int32_t pos = 0;
      for (size_t k = 0; k < spans.size(); ++k) {
        const int32_t len = spans[k].end - spans[k].begin;
        fb.segments.push_back({base + pos, len, spans[k].begin, std::vector<KvSpan>(spans.begin(), spans.begin() + k)});
        pos += len;
      }
      fb.output_rows.push_back(base + n - 1);
      order.push_back(r);
      stats_.prefill_rows += static_cast<size_t>(n);
    }
    stats_.decode_rows += decoding;
    stats_.max_live = std::max(stats_.max_live, order.size());
    ++stats_.forwards;

    model_.forward(fb, kv_, logits_);
    next_.resize(order.size());
    model_.backend().argmax_rows(logits_.get(), static_cast<int>(order.size()), model_.vocab_size(), next_.data());

    std::vector<size_t> finished;
    for (size_t j = 0; j < order.size(); ++j) {
      const size_t r = order[j];
      SeqState& s = state_[r];
      s.length = fed_length(r);  // the row fed this step is now cached
      const int32_t tok = next_[j];
      s.generated.push_back(tok);
      const bool eos = std::find(opt_.eos_ids.begin(), opt_.eos_ids.end(), tok) != opt_.eos_ids.end();
      if (eos || static_cast<int>(s.generated.size()) >= requests_[r].max_new_tokens ||
          (opt_.should_stop && opt_.should_stop(r, s.generated)))
        finished.push_back(r);
    }
    for (size_t r : finished) {
      pages_.release(static_cast<int64_t>(r));
      running_.erase(std::find(running_.begin(), running_.end(), r));
      out[r] = std::move(state_[r].generated);
    }
  }

  LanguageModel& model_;
  const std::vector<GenerateRequest>& requests_;
  const GenerateOptions& opt_;
  GenerateStats& stats_;
  KvPages pages_;
  KvCache kv_;
  DeviceBuffer logits_;
  std::vector<int32_t> next_;
  std::vector<SeqState> state_;
  std::deque<size_t> waiting_;  // request order; preempted sequences go back to the front
  std::vector<size_t> running_;  // admission order
  size_t cap_;
};

}  // namespace

std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model, const std::vector<GenerateRequest>& requests,
                                                  const GenerateOptions& options, GenerateStats* stats) {
  GenerateStats local;
  GenerateStats& st = stats ? *stats : local;
  st = GenerateStats{};
  const int pool_pages = KvPages::pages_for(std::max(1, options.max_batch_tokens));
  validate(model, requests, pool_pages * kKvPageRows);
  // No more pages than all requests could use at once (plus the admission headroom): a small
  // call does not allocate the whole pool, and nothing in it ever waits for pages.
  long wanted = 0;
  for (const auto& r : requests)
    if (r.max_new_tokens > 0)
      wanted += KvPages::pages_for(static_cast<int>(r.prompt.size()) + r.max_new_tokens - 1);
  if (wanted == 0) return std::vector<std::vector<int32_t>>(requests.size());
  const int pages = static_cast<int>(std::min<long>(pool_pages, wanted + 1));
  Scheduler scheduler(model, requests, options, pages, st);
  return scheduler.run();
}

}  // namespace lighteval::engine
