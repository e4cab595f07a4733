#include "engine/kv_pages.h"

#include <algorithm>
#include <string>

#include "util/error.h"

namespace lighteval::engine {

KvPages::KvPages(int pages, int page_rows) : page_rows_(page_rows) {
  if (page_rows <= 0 || pages < 0)
    throw Error("KV page table of " + std::to_string(pages) + " pages of " + std::to_string(page_rows) +
                " rows is invalid");
  owner_.assign(static_cast<size_t>(pages), -1);
  free_ = pages;
  if (pages > 0) runs_.emplace(0, pages);
}

void KvPages::take(int32_t page) {
  auto it = std::prev(runs_.upper_bound(page));
  const int32_t b = it->first, n = it->second;
  runs_.erase(it);
  if (page > b) runs_.emplace(b, page - b);
  if (page + 1 < b + n) runs_.emplace(page + 1, b + n - page - 1);
  --free_;
}

void KvPages::give(int32_t page) {
  int32_t b = page, n = 1;
  auto next = runs_.find(page + 1);
  if (next != runs_.end()) {
    n += next->second;
    runs_.erase(next);
  }
  auto after = runs_.upper_bound(page);
  if (after != runs_.begin()) {
    auto prev = std::prev(after);
    if (prev->first + prev->second == page) {
      b = prev->first;
      n += prev->second;
      runs_.erase(prev);
    }
  }
  runs_.emplace(b, n);
  owner_[static_cast<size_t>(page)] = -1;
  ++free_;
}

int32_t KvPages::place(int want) const {
  // A run right after a growing sequence's last page keeps the room that sequence still expects
  // to need; the rest of the run is what a new sequence may use. Best fit among the runs with room
  // for all `want` pages, else the one with the most room, else (every free page is someone's
  // expected room) the end of the longest run, which takes from the growth furthest away.
  int32_t best = -1, best_room = 0, best_fit = -1, fit_room = 0, longest = -1, longest_len = 0;
  for (const auto& [b, n] : runs_) {
    int32_t kept = 0;
    if (b > 0) {
      const auto& prev = seqs_.at(owner_[static_cast<size_t>(b - 1)]);
      if (prev.pages.back() == b - 1)
        kept = std::min<int32_t>(n, std::max(0, prev.expected_pages - static_cast<int>(prev.pages.size())));
    }
    const int32_t room = n - kept;
    if (room >= want && (best_fit < 0 || room < fit_room)) {
      best_fit = b + kept;
      fit_room = room;
    }
    if (room > best_room) {
      best = b + kept;
      best_room = room;
    }
    if (n > longest_len) {
      longest = b + n - 1;
      longest_len = n;
    }
  }
  if (best_fit >= 0) return best_fit;
  if (best >= 0) return best;
  return longest;
}

bool KvPages::reserve(int64_t seq, int rows, int expected_rows) {
  auto found = seqs_.find(seq);
  const int held = found == seqs_.end() ? 0 : static_cast<int>(found->second.pages.size());
  int need = pages_for(rows, page_rows_) - held;
  if (need <= 0) return true;
  if (need > free_) return false;
  Seq& s = seqs_[seq];
  s.expected_pages = std::max({s.expected_pages, pages_for(expected_rows, page_rows_), held + need});
  while (need > 0) {
    int32_t page = -1;
    if (!s.pages.empty()) {
      const int32_t next = s.pages.back() + 1;
      if (next < total_pages() && owner_[static_cast<size_t>(next)] < 0) page = next;
    }
    if (page < 0) {
      // Placed where the pages it still expects to need fit (its own pages are not counted
      // as someone else's room: the run after its last page is handled above).
      page = place(s.expected_pages - static_cast<int>(s.pages.size()));
    }
    take(page);
    owner_[static_cast<size_t>(page)] = seq;
    s.pages.push_back(page);
    --need;
  }
  return true;
}

void KvPages::release(int64_t seq) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  for (int32_t p : it->second.pages) give(p);
  seqs_.erase(it);
}

int KvPages::capacity(int64_t seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : static_cast<int>(it->second.pages.size()) * page_rows_;
}

const std::vector<int32_t>& KvPages::pages_of(int64_t seq) const {
  static const std::vector<int32_t> none;
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? none : it->second.pages;
}

int32_t KvPages::row(int64_t seq, int pos) const {
  const auto& pages = pages_of(seq);
  const size_t page = static_cast<size_t>(pos / page_rows_);
  if (pos < 0 || page >= pages.size())
    throw Error("KV position " + std::to_string(pos) + " of sequence " + std::to_string(seq) +
                " is beyond its pages (internal error)");
  return pages[page] * page_rows_ + pos % page_rows_;
}

std::vector<KvSpan> KvPages::rows_of(int64_t seq, int begin, int end) const {
  std::vector<KvSpan> out;
  if (end <= begin) return out;
  if (begin < 0 || end > capacity(seq))
    throw Error("KV positions [" + std::to_string(begin) + ", " + std::to_string(end) + ") of sequence " +
                std::to_string(seq) + " are beyond its pages (internal error)");
  const auto& pages = pages_of(seq);
  for (int pos = begin; pos < end;) {
    const int in_page = pos % page_rows_;
    const int take = std::min(page_rows_ - in_page, end - pos);
    const int32_t first = pages[static_cast<size_t>(pos / page_rows_)] * page_rows_ + in_page;
    if (!out.empty() && out.back().end == first)
      out.back().end += take;
    else
      out.push_back({first, first + take});
    pos += take;
  }
  return out;
}

}  // namespace lighteval::engine
