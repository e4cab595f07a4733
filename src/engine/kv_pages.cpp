#include "engine/kv_pages.h"

#include <algorithm>
#include <string>

#include "util/error.h"

namespace lighteval::engine {

KvPages::KvPages(int pages, int page_rows) : page_rows_(page_rows), total_(pages) {
  if (page_rows <= 0 || pages < 0)
    throw Error("KV page table of " + std::to_string(pages) + " pages of " + std::to_string(page_rows) +
                " rows is invalid");
  free_.reserve(static_cast<size_t>(pages));
  for (int p = pages - 1; p >= 0; --p) free_.push_back(p);
}

bool KvPages::reserve(int64_t seq, int rows) {
  auto& mine = owned_[seq];
  const int need = pages_for(rows, page_rows_) - static_cast<int>(mine.size());
  if (need <= 0) return true;
  if (need > free_pages()) {
    if (mine.empty()) owned_.erase(seq);
    return false;
  }
  for (int i = 0; i < need; ++i) {
    mine.push_back(free_.back());
    free_.pop_back();
  }
  return true;
}

void KvPages::release(int64_t seq) {
  auto it = owned_.find(seq);
  if (it == owned_.end()) return;
  // Pushed back last page first, so the sequence's first page is on top: the next sequence gets
  // the same run of pages back in order (adjacent pages merge into one span).
  for (auto p = it->second.rbegin(); p != it->second.rend(); ++p) free_.push_back(*p);
  owned_.erase(it);
}

int KvPages::capacity(int64_t seq) const {
  auto it = owned_.find(seq);
  return it == owned_.end() ? 0 : static_cast<int>(it->second.size()) * page_rows_;
}

const std::vector<int32_t>& KvPages::pages_of(int64_t seq) const {
  static const std::vector<int32_t> none;
  auto it = owned_.find(seq);
  return it == owned_.end() ? none : it->second;
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
