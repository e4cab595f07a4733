// The KV page table: fresh pages in order, all-or-nothing reservations, spans of adjacent pages
// merged, rows of positions, placement that leaves each sequence room to grow in place, and
// (randomised) no row ever owned twice and free runs that match the pages nobody owns.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/kv_pages.h"
#include "util/error.h"

namespace lighteval::engine {
namespace {

std::vector<std::pair<int, int>> spans(const std::vector<KvSpan>& v) {
  std::vector<std::pair<int, int>> out;
  for (const auto& s : v) out.emplace_back(s.begin, s.end);
  return out;
}
using Spans = std::vector<std::pair<int, int>>;

TEST(KvPages, PagesFor) {
  EXPECT_EQ(kKvPageRows, 16);
  EXPECT_EQ(KvPages::pages_for(0), 0);
  EXPECT_EQ(KvPages::pages_for(1), 1);
  EXPECT_EQ(KvPages::pages_for(16), 1);
  EXPECT_EQ(KvPages::pages_for(17), 2);
  EXPECT_EQ(KvPages::pages_for(10, 4), 3);
}

TEST(KvPages, FreshPagesComeInOrderAndMerge) {
  KvPages p(8, 4);
  EXPECT_EQ(p.total_rows(), 32);
  EXPECT_TRUE(p.reserve(7, 10));  // 3 pages: 0, 1, 2
  EXPECT_EQ(p.capacity(7), 12);
  EXPECT_EQ(p.free_pages(), 5);
  EXPECT_EQ(p.pages_of(7), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(spans(p.rows_of(7, 0, 10)), (Spans{{0, 10}}));
  EXPECT_EQ(spans(p.rows_of(7, 3, 9)), (Spans{{3, 9}}));
  EXPECT_EQ(p.row(7, 9), 9);
  EXPECT_TRUE(p.reserve(7, 12));  // already held: nothing taken
  EXPECT_EQ(p.free_pages(), 5);
  EXPECT_TRUE(p.reserve(3, 4));  // page 3
  EXPECT_EQ(p.row(3, 2), 14);
  EXPECT_TRUE(p.reserve(7, 13));  // page 4, not adjacent to page 2
  EXPECT_EQ(p.pages_of(7), (std::vector<int32_t>{0, 1, 2, 4}));
  EXPECT_EQ(spans(p.rows_of(7, 0, 13)), (Spans{{0, 12}, {16, 17}}));
  EXPECT_EQ(spans(p.rows_of(7, 11, 13)), (Spans{{11, 12}, {16, 17}}));
  EXPECT_EQ(p.row(7, 12), 16);
  EXPECT_TRUE(p.rows_of(7, 5, 5).empty());
}

TEST(KvPages, ReserveIsAllOrNothingAndReleaseReuses) {
  KvPages p(4, 16);
  EXPECT_TRUE(p.reserve(1, 20));  // pages 0, 1
  EXPECT_TRUE(p.reserve(2, 16));  // page 2
  EXPECT_FALSE(p.reserve(3, 17));  // needs 2, 1 free
  EXPECT_EQ(p.free_pages(), 1);
  EXPECT_EQ(p.capacity(3), 0);
  EXPECT_FALSE(p.reserve(2, 48));  // needs 2 more
  EXPECT_EQ(p.capacity(2), 16);
  p.release(1);
  EXPECT_EQ(p.free_pages(), 3);
  EXPECT_EQ(p.capacity(1), 0);
  p.release(1);  // twice: nothing
  EXPECT_EQ(p.free_pages(), 3);
  // The freed run comes back first and in order, so the new sequence's rows are one span.
  EXPECT_TRUE(p.reserve(3, 32));
  EXPECT_EQ(p.pages_of(3), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(spans(p.rows_of(3, 0, 32)), (Spans{{0, 32}}));
  EXPECT_TRUE(p.reserve(3, 33));  // page 3
  EXPECT_EQ(spans(p.rows_of(3, 0, 33)), (Spans{{0, 32}, {48, 49}}));
  EXPECT_EQ(p.free_pages(), 0);
}

// Sequences are placed after the room the sequence before them expects to grow into, so each one
// grows in place and stays one span.
TEST(KvPages, PlacementLeavesRoomToGrow) {
  KvPages p(16, 16);
  ASSERT_TRUE(p.reserve(1, 16, 64));  // page 0, expects 4
  ASSERT_TRUE(p.reserve(2, 16, 32));  // after pages 1-3 (1's room): page 4, expects 2
  ASSERT_TRUE(p.reserve(3, 20, 20));  // after page 5 (2's room): pages 6, 7
  EXPECT_EQ(p.pages_of(2), (std::vector<int32_t>{4}));
  EXPECT_EQ(p.pages_of(3), (std::vector<int32_t>{6, 7}));
  EXPECT_EQ(p.free_runs(), 3);  // pages 1-3, 5, 8-15
  ASSERT_TRUE(p.reserve(1, 64));
  ASSERT_TRUE(p.reserve(2, 32));
  EXPECT_EQ(spans(p.rows_of(1, 0, 64)), (Spans{{0, 64}}));
  EXPECT_EQ(spans(p.rows_of(2, 0, 32)), (Spans{{64, 96}}));
  EXPECT_EQ(p.free_runs(), 1);  // pages 8-15
  // Once every free page is someone's expected room, a new sequence takes the far end of the
  // longest run, away from the sequence that expects to grow into it.
  KvPages q(4, 16);
  ASSERT_TRUE(q.reserve(1, 16, 64));
  ASSERT_TRUE(q.reserve(2, 16, 16));
  EXPECT_EQ(q.pages_of(2), (std::vector<int32_t>{3}));
  ASSERT_TRUE(q.reserve(1, 48));
  EXPECT_EQ(spans(q.rows_of(1, 0, 48)), (Spans{{0, 48}}));
  // Growth beyond the room goes where it best fits.
  q.release(2);
  ASSERT_TRUE(q.reserve(1, 64));
  EXPECT_EQ(spans(q.rows_of(1, 0, 64)), (Spans{{0, 64}}));
  EXPECT_EQ(q.free_pages(), 0);
  EXPECT_EQ(q.free_runs(), 0);
  q.release(1);
  EXPECT_EQ(q.free_runs(), 1);
}

TEST(KvPages, OutOfRangeIsAnError) {
  KvPages p(2, 16);
  ASSERT_TRUE(p.reserve(0, 5));
  EXPECT_THROW(p.row(0, 16), Error);
  EXPECT_THROW(p.row(1, 0), Error);
  EXPECT_THROW(p.rows_of(0, 0, 17), Error);
  EXPECT_THROW(KvPages(2, 0), Error);
}

// Random reserve/release against a plain record of which rows each sequence has: rows are never
// shared, rows_of() lists exactly row(0..n-1), and the free count balances.
TEST(KvPages, RandomisedNoRowOwnedTwice) {
  std::mt19937 rng(11);
  KvPages p(37, 16);
  std::map<int64_t, int> want;  // sequence -> rows asked for
  for (int step = 0; step < 3000; ++step) {
    const int64_t seq = static_cast<int64_t>(rng() % 12);
    if (rng() % 4 == 0) {
      p.release(seq);
      want.erase(seq);
    } else {
      const int rows = want.count(seq) ? want[seq] + static_cast<int>(rng() % 20) : 1 + static_cast<int>(rng() % 60);
      const int before = p.free_pages();
      const int had = p.capacity(seq);
      const int expected = rng() % 2 ? rows + static_cast<int>(rng() % 80) : 0;
      if (p.reserve(seq, rows, expected)) {
        want[seq] = std::max(rows, want.count(seq) ? want[seq] : 0);
        EXPECT_GE(p.capacity(seq), rows);
        EXPECT_LT(p.capacity(seq) - std::max(rows, had), 16);
      } else {
        EXPECT_EQ(p.free_pages(), before);
        EXPECT_EQ(p.capacity(seq), had);
        EXPECT_LT(before, KvPages::pages_for(rows) - had / 16);
      }
    }
    std::set<int32_t> seen;
    int held = 0;
    for (const auto& [s, n] : want) {
      held += static_cast<int>(p.pages_of(s).size());
      std::vector<int32_t> listed;
      for (const auto& sp : p.rows_of(s, 0, n))
        for (int32_t r = sp.begin; r < sp.end; ++r) listed.push_back(r);
      ASSERT_EQ(static_cast<int>(listed.size()), n);
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(listed[i], p.row(s, i));
        EXPECT_TRUE(seen.insert(listed[i]).second) << "row " << listed[i] << " owned twice";
        EXPECT_LT(listed[i], p.total_rows());
      }
    }
    ASSERT_EQ(held + p.free_pages(), p.total_pages());
    // Free runs: maximal runs of the pages nobody holds.
    std::vector<bool> taken(static_cast<size_t>(p.total_pages()), false);
    for (const auto& [s, n] : want)
      for (int32_t page : p.pages_of(s)) taken[static_cast<size_t>(page)] = true;
    int runs = 0;
    for (size_t i = 0; i < taken.size(); ++i) runs += !taken[i] && (i == 0 || taken[i - 1]);
    ASSERT_EQ(p.free_runs(), runs);
  }
}

}  // namespace
}  // namespace lighteval::engine
