// engine/kv_pages: the page table of a paged KV cache (vLLM-style). One KvCache of
// pages * page_rows rows is shared by every sequence being generated; each sequence owns a list
// of fixed-size pages, taken as it grows and given back when it ends, so a finished sequence frees
// its rows at once for waiting requests. Pages of one sequence need not be adjacent: attention
// takes a list of context spans (AttnSegment::context), which rows_of() gives with adjacent pages
// merged. Placement keeps them adjacent where it can, since a sequence scattered over many spans
// costs the attention kernels (the CPU gathers non-contiguous keys into scratch, the CUDA kernel
// streams each span in its own chunks): a growing sequence takes the page after its last one when
// free, and a sequence placed afresh goes to the free run that best fits the rows it expects to
// need, after the room that the sequence before that run expects to grow into.
// It only does bookkeeping; it owns no device memory.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "engine/backend.h"

namespace lighteval::engine {

// Rows per page. Small enough that a sequence wastes at most 15 rows (a prompt of a few hundred
// tokens loses under 5%), large enough that context lists stay short even when pages scatter.
inline constexpr int kKvPageRows = 16;

class KvPages {
 public:
  explicit KvPages(int pages, int page_rows = kKvPageRows);

  // Pages needed to hold `rows` rows.
  static int pages_for(int rows, int page_rows = kKvPageRows) { return rows <= 0 ? 0 : (rows + page_rows - 1) / page_rows; }

  int page_rows() const { return page_rows_; }
  int total_pages() const { return static_cast<int>(owner_.size()); }
  int free_pages() const { return free_; }
  int total_rows() const { return total_pages() * page_rows_; }
  // Maximal runs of adjacent free pages (1 when nothing is taken; more means fragmentation).
  int free_runs() const { return static_cast<int>(runs_.size()); }

  // Gives sequence `seq` pages until it can hold `rows` positions. All or nothing: when too few
  // pages are free it takes none and returns false. `expected_rows` is how many rows the sequence
  // may come to need (its prompt and all its new tokens): placement only, never reserved.
  bool reserve(int64_t seq, int rows, int expected_rows = 0);
  // Gives all pages of `seq` back (nothing when it has none).
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
  struct Seq {
    std::vector<int32_t> pages;
    int expected_pages = 0;
  };
  int32_t place(int want) const;  // first page for a sequence placed afresh, wanting `want` pages
  void take(int32_t page);
  void give(int32_t page);

  int page_rows_;
  int free_ = 0;
  std::vector<int64_t> owner_;       // sequence of each page; -1 when free
  std::map<int32_t, int32_t> runs_;  // free runs: first page -> length; never adjacent
  std::unordered_map<int64_t, Seq> seqs_;
};

}  // namespace lighteval::engine
