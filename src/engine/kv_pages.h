// engine/kv_pages: the page table of a paged KV cache (vLLM-style). One KvCache of
// pages * page_rows rows is shared by every sequence being generated; each sequence owns a list
// of fixed-size pages, taken from a free list as it grows and given back when it ends, so a
// finished sequence frees its rows at once for waiting requests. Pages of one sequence need not be
// adjacent: attention takes a list of context spans (AttnSegment::context), which rows_of() gives
// with adjacent pages merged. It only does bookkeeping; it owns no device memory.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/backend.h"

namespace lighteval::engine {

// Rows per page. Small enough that a sequence wastes at most 15 rows (a prompt of a few hundred
// tokens loses under 5%), large enough that context lists stay short (a 4k-token sequence is at
// most 256 spans, usually far fewer since free pages are handed out in order) and that the
// attention kernels read keys in runs of at least 16 rows.
inline constexpr int kKvPageRows = 16;

class KvPages {
 public:
  explicit KvPages(int pages, int page_rows = kKvPageRows);

  // Pages needed to hold `rows` rows.
  static int pages_for(int rows, int page_rows = kKvPageRows) { return rows <= 0 ? 0 : (rows + page_rows - 1) / page_rows; }

  int page_rows() const { return page_rows_; }
  int total_pages() const { return total_; }
  int free_pages() const { return static_cast<int>(free_.size()); }
  int total_rows() const { return total_ * page_rows_; }

  // Gives sequence `seq` pages until it can hold `rows` positions. All or nothing: when the free
  // list is too short it allocates nothing and returns false.
  bool reserve(int64_t seq, int rows);
  // Gives all pages of `seq` back to the free list (nothing when it has none).
  void release(int64_t seq);
  // Positions `seq` can hold with the pages it has (0 for an unknown sequence).
  int capacity(int64_t seq) const;
  // Pages held by `seq`, in position order.
  const std::vector<int32_t>& pages_of(int64_t seq) const;

  // KV row of position `pos` of `seq` (pos < capacity(seq)).
  int32_t row(int64_t seq, int pos) const;
  // KV rows of positions [begin, end) of `seq`, in position order, adjacent pages merged into one
  // span (end <= capacity(seq)).
  std::vector<KvSpan> rows_of(int64_t seq, int begin, int end) const;

 private:
  int page_rows_;
  int total_;
  std::vector<int32_t> free_;  // a stack: the lowest page on top, so fresh pages come in order
  std::unordered_map<int64_t, std::vector<int32_t>> owned_;
};

}  // namespace lighteval::engine
