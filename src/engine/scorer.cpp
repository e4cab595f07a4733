#include "engine/scorer.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>

#include "util/error.h"

namespace lighteval::engine {
namespace {

// A run of tokens input[start, end) of request `req`, at positions start..end-1, under `parent`.
struct Node {
  int parent = -1;
  size_t req = 0;
  int start = 0;
  int end = 0;
  int row = 0;  // first batch row
};

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Builds the prefix tree of a batch of requests taken in sorted order. In lexicographic order a
// request's longest common prefix with any earlier one is the one with its predecessor, so the tree
// grows by branching off the previous request's path (splitting a node when the branch point falls
// inside it).
std::vector<Node> build_tree(const std::vector<ScoreRequest>& requests, const std::vector<size_t>& batch, bool share,
                             std::vector<int>& leaf) {
  std::vector<Node> nodes;
  leaf.assign(batch.size(), -1);
  for (size_t b = 0; b < batch.size(); ++b) {
    const auto& inp = requests[batch[b]].input;
    const int len = static_cast<int>(inp.size());
    const int l = (share && b > 0) ? static_cast<int>(common_prefix(requests[batch[b - 1]].input, inp)) : 0;
    if (l == 0) {
      nodes.push_back({-1, batch[b], 0, len, 0});
      leaf[b] = static_cast<int>(nodes.size()) - 1;
      continue;
    }
    int n = leaf[b - 1];
    while (nodes[n].start > l - 1) n = nodes[n].parent;
    if (l < nodes[n].end) {
      Node tail{n, nodes[n].req, l, nodes[n].end, 0};
      nodes[n].end = l;
      nodes.push_back(tail);
      const int y = static_cast<int>(nodes.size()) - 1;
      for (int c = 0; c < y; ++c)
        if (nodes[c].parent == n) nodes[c].parent = y;
      for (size_t k = 0; k < b; ++k)
        if (leaf[k] == n) leaf[k] = y;
    }
    if (l == len) {
      leaf[b] = n;  // identical to the previous request
    } else {
      nodes.push_back({n, batch[b], l, len, 0});
      leaf[b] = static_cast<int>(nodes.size()) - 1;
    }
  }
  return nodes;
}

struct Entry {
  size_t local;    // request index within the batch
  int32_t out;     // output (logits) index
  int32_t target;
};

// A batch laid out on the host: the forward's rows and the scored entries.
struct PreparedBatch {
  std::vector<size_t> batch;  // request indices
  ForwardBatch fb;
  std::vector<Entry> entries;
  std::vector<int32_t> out_idx, targets;
  int rows = 0;
};

PreparedBatch prepare_batch(const std::vector<ScoreRequest>& requests, std::vector<size_t> batch, bool share) {
  PreparedBatch pb;
  pb.batch = std::move(batch);
  std::vector<int> leaf;
  std::vector<Node> nodes = build_tree(requests, pb.batch, share, leaf);
  ForwardBatch& fb = pb.fb;
  int rows = 0;
  for (auto& n : nodes) {
    n.row = rows;
    rows += n.end - n.start;
  }
  pb.rows = rows;
  fb.tokens.reserve(rows);
  fb.positions.reserve(rows);
  for (const auto& n : nodes) {
    const auto& inp = requests[n.req].input;
    fb.tokens.insert(fb.tokens.end(), inp.begin() + n.start, inp.begin() + n.end);
    for (int p = n.start; p < n.end; ++p) fb.positions.push_back(p);
    AttnSegment seg{n.row, n.end - n.start, n.row, {}};
    std::vector<KvSpan> chain;
    for (int a = n.parent; a >= 0; a = nodes[a].parent)
      chain.push_back({nodes[a].row, nodes[a].row + (nodes[a].end - nodes[a].start)});
    seg.context.assign(chain.rbegin(), chain.rend());
    fb.segments.push_back(std::move(seg));
  }
  fb.kv_rows.resize(rows);
  std::iota(fb.kv_rows.begin(), fb.kv_rows.end(), 0);

  // Scored rows, deduplicated: the last context row often predicts the first token of every choice.
  std::vector<int32_t> out_of_row(rows, -1);
  for (size_t b = 0; b < pb.batch.size(); ++b) {
    const auto& r = requests[pb.batch[b]];
    const int L = static_cast<int>(r.input.size()), T = static_cast<int>(r.targets.size());
    int n = leaf[b];
    for (int i = T - 1; i >= 0; --i) {  // walk positions backwards so the node walk only goes up
      const int p = L - T + i;
      while (nodes[n].start > p) n = nodes[n].parent;
      const int row = nodes[n].row + (p - nodes[n].start);
      if (out_of_row[row] < 0) {
        out_of_row[row] = static_cast<int32_t>(fb.output_rows.size());
        fb.output_rows.push_back(row);
      }
      pb.entries.push_back({b, out_of_row[row], r.targets[i]});
    }
  }
  pb.out_idx.resize(pb.entries.size());
  pb.targets.resize(pb.entries.size());
  for (size_t e = 0; e < pb.entries.size(); ++e) {
    pb.out_idx[e] = pb.entries[e].out;
    pb.targets[e] = pb.entries[e].target;
  }
  return pb;
}

// Queues the batch's forward (on a GPU the call returns while the device works).
void launch_batch(LanguageModel& model, const PreparedBatch& pb, std::unique_ptr<KvCache>& kv, DeviceBuffer& logits) {
  if (!kv || kv->rows() < pb.rows)
    kv = std::make_unique<KvCache>(model.backend(), model.n_layers(), std::max(pb.rows, kv ? kv->rows() : 0),
                                   model.kv_dim(), true);
  model.forward(pb.fb, *kv, logits);
}

// Waits for the batch's logits and reduces them to one result per request.
void finish_batch(LanguageModel& model, const PreparedBatch& pb, const DeviceBuffer& logits,
                  std::vector<ScoreResult>& results, ScoreStats& stats) {
  const auto& entries = pb.entries;
  std::vector<double> lp(entries.size());
  std::vector<uint8_t> greedy(entries.size());
  if (!entries.empty())
    model.backend().logprob_gather(logits.get(), pb.out_idx, pb.targets, model.vocab_size(), lp.data(),
                                   greedy.data());
  // Entries of a request are contiguous, last position first; sum in position order so the result
  // does not depend on the batch.
  size_t e = 0;
  while (e < entries.size()) {
    size_t f = e;
    while (f < entries.size() && entries[f].local == entries[e].local) ++f;
    ScoreResult res;
    for (size_t g = f; g-- > e;) {
      res.logprob += lp[g];
      res.is_greedy = res.is_greedy && greedy[g];
    }
    results[pb.batch[entries[e].local]] = res;
    e = f;
  }
  stats.batches += 1;
  stats.rows += pb.rows;
  stats.logit_rows += pb.fb.output_rows.size();
}

}  // namespace

std::vector<ScoreResult> score(LanguageModel& model, const std::vector<ScoreRequest>& requests,
                               const ScoreOptions& options, ScoreStats* stats_out) {
  const int vocab = model.vocab_size();
  const auto limit = model.position_limit();
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.input.empty()) throw Error("scoring request " + std::to_string(i) + " has no input tokens");
    if (r.targets.size() > r.input.size())
      throw Error("scoring request " + std::to_string(i) + " scores more tokens than it feeds");
    if (limit && static_cast<int>(r.input.size()) > *limit)
      throw Error("scoring request " + std::to_string(i) + " has " + std::to_string(r.input.size()) +
                  " tokens, more than the model's " + std::to_string(*limit) + " positions (lower max_length)");
    for (int32_t t : r.input)
      if (t < 0 || t >= vocab)
        throw Error("token id " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(vocab) +
                    " (tokenizer and model do not match)");
    for (int32_t t : r.targets)
      if (t < 0 || t >= vocab)
        throw Error("token id " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(vocab) +
                    " (tokenizer and model do not match)");
  }
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].input < requests[b].input; });

  // Batches first (host only), then the forwards.
  std::vector<std::vector<size_t>> batches;
  ScoreStats stats;
  std::vector<size_t> batch;
  size_t batch_rows = 0, batch_targets = 0;
  const size_t budget = static_cast<size_t>(std::max(1, options.max_batch_tokens));
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& inp = requests[order[k]].input;
    stats.input_tokens += inp.size();
    const size_t shared =
        (options.share_prefixes && !batch.empty()) ? common_prefix(requests[batch.back()].input, inp) : 0;
    const size_t add = inp.size() - shared;
    const size_t targets = requests[order[k]].targets.size();
    const bool full = (options.max_batch_sequences > 0 && batch.size() >= static_cast<size_t>(options.max_batch_sequences)) ||
                      (options.max_logit_rows > 0 && batch_targets + targets > static_cast<size_t>(options.max_logit_rows));
    if (!batch.empty() && (batch_rows + add > budget || full)) {
      batches.push_back(std::move(batch));
      batch = {order[k]};
      batch_rows = inp.size();
      batch_targets = targets;
    } else {
      batch.push_back(order[k]);
      batch_rows += add;
      batch_targets += targets;
    }
  }
  if (!batch.empty()) batches.push_back(std::move(batch));

  // Host work overlaps device work: while batch i's forward runs on the device, batch i+1 is laid
  // out on the host; only then does the host wait for batch i's results.
  std::vector<ScoreResult> results(requests.size());
  std::unique_ptr<KvCache> kv;
  DeviceBuffer logits;
  PreparedBatch next;
  if (!batches.empty()) next = prepare_batch(requests, std::move(batches[0]), options.share_prefixes);
  for (size_t i = 0; i < batches.size(); ++i) {
    PreparedBatch cur = std::move(next);
    launch_batch(model, cur, kv, logits);
    if (i + 1 < batches.size()) next = prepare_batch(requests, std::move(batches[i + 1]), options.share_prefixes);
    finish_batch(model, cur, logits, results, stats);
  }
  if (stats_out) *stats_out = stats;
  return results;
}

}  // namespace lighteval::engine
