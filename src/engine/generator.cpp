#include "engine/generator.h"

#include <algorithm>
#include <memory>

#include "util/error.h"

namespace lighteval::engine {
namespace {

struct Slot {
  size_t req;
  int kv_base;   // first KV row of this sequence
  int length;    // tokens in the cache (prompt + generated so far, once fed)
  std::vector<int32_t> generated;
  bool done = false;
};

void run_group(LanguageModel& model, const std::vector<GenerateRequest>& requests, const std::vector<size_t>& group,
               const GenerateOptions& opt, std::vector<std::vector<int32_t>>& out) {
  Backend& be = model.backend();
  const int vocab = model.vocab_size();
  std::vector<Slot> slots;
  int kv_rows = 0;
  for (size_t r : group) {
    slots.push_back({r, kv_rows, 0, {}, false});
    kv_rows += static_cast<int>(requests[r].prompt.size()) + requests[r].max_new_tokens;
  }
  KvCache kv(be, model.n_layers(), kv_rows, model.kv_dim(), false);
  DeviceBuffer logits;
  std::vector<int32_t> next(slots.size());

  // Prefill: every prompt a root segment; logits at each prompt's last row.
  ForwardBatch fb;
  for (auto& s : slots) {
    const auto& p = requests[s.req].prompt;
    const int row = static_cast<int>(fb.tokens.size());
    fb.segments.push_back({row, static_cast<int32_t>(p.size()), s.kv_base, {}});
    for (size_t i = 0; i < p.size(); ++i) {
      fb.tokens.push_back(p[i]);
      fb.positions.push_back(static_cast<int32_t>(i));
      fb.kv_rows.push_back(s.kv_base + static_cast<int32_t>(i));
    }
    fb.output_rows.push_back(row + static_cast<int32_t>(p.size()) - 1);
    s.length = static_cast<int>(p.size());
  }
  std::vector<size_t> live(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) live[i] = i;
  while (!live.empty()) {
    model.forward(fb, kv, logits);
    be.argmax_rows(logits.get(), static_cast<int>(live.size()), vocab, next.data());
    std::vector<size_t> still;
    for (size_t j = 0; j < live.size(); ++j) {
      Slot& s = slots[live[j]];
      const int32_t tok = next[j];
      s.generated.push_back(tok);
      const bool eos = std::find(opt.eos_ids.begin(), opt.eos_ids.end(), tok) != opt.eos_ids.end();
      if (eos || static_cast<int>(s.generated.size()) >= requests[s.req].max_new_tokens ||
          (opt.should_stop && opt.should_stop(s.req, s.generated))) {
        s.done = true;
      } else {
        still.push_back(live[j]);
      }
    }
    live.swap(still);
    if (live.empty()) break;
    // Decode step: one row per live sequence, attending to its cache.
    fb = ForwardBatch{};
    for (size_t j = 0; j < live.size(); ++j) {
      Slot& s = slots[live[j]];
      const int row = static_cast<int>(j);
      fb.tokens.push_back(s.generated.back());
      fb.positions.push_back(s.length);
      fb.kv_rows.push_back(s.kv_base + s.length);
      fb.segments.push_back({row, 1, s.kv_base + s.length, {{s.kv_base, s.kv_base + s.length}}});
      fb.output_rows.push_back(row);
      s.length += 1;
    }
  }
  for (auto& s : slots) out[s.req] = std::move(s.generated);
}

}  // namespace

std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model, const std::vector<GenerateRequest>& requests,
                                                  const GenerateOptions& options) {
  const int vocab = model.vocab_size();
  const auto limit = model.position_limit();
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.prompt.empty()) throw Error("generation request " + std::to_string(i) + " has an empty prompt");
    for (int32_t t : r.prompt)
      if (t < 0 || t >= vocab)
        throw Error("token id " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(vocab) +
                    " (tokenizer and model do not match)");
    if (limit && static_cast<int>(r.prompt.size()) + r.max_new_tokens > *limit + 1)
      throw Error("generation request " + std::to_string(i) + " needs more than the model's " +
                  std::to_string(*limit) + " positions (lower max_length or the generation size)");
  }
  std::vector<std::vector<int32_t>> out(requests.size());
  std::vector<size_t> group;
  size_t group_rows = 0;
  const size_t budget = static_cast<size_t>(std::max(1, options.max_batch_tokens));
  const size_t cap = static_cast<size_t>(std::max(1, options.max_batch_sequences));
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].max_new_tokens <= 0) continue;
    const size_t need = requests[i].prompt.size() + requests[i].max_new_tokens;
    if (!group.empty() && (group.size() >= cap || group_rows + need > budget)) {
      run_group(model, requests, group, options, out);
      group.clear();
      group_rows = 0;
    }
    group.push_back(i);
    group_rows += need;
  }
  if (!group.empty()) run_group(model, requests, group, options, out);
  return out;
}

}  // namespace lighteval::engine
