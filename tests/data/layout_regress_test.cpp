// Regression tests for what the dataset_layout fuzz target found in the parquet-export rules
// ({config}/{split}[-partN]/NNNN.parquet): the part number was read from a regex match into a
// string that had just been overwritten (heap use-after-free once the split name is longer than
// the small-string buffer), and a part number past int's range escaped as std::out_of_range.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/layout.h"

using namespace lighteval::data;

TEST(LayoutRegress, LongMultiPartSplitNamesOrderByPartNumber) {
  const std::string split = "validation_matched_with_a_long_name";  // beyond std::string's SSO
  auto l = infer_layout({"cfg/" + split + "-part10/0000.parquet", "cfg/" + split + "-part2/0001.parquet",
                         "cfg/" + split + "-part2/0000.parquet"},
                        std::nullopt);
  ASSERT_EQ(l.kind, DatasetLayout::Kind::parquet_export);
  const auto* c = l.find("cfg");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->splits.size(), 1u);
  EXPECT_EQ(c->splits[0].name, split);
  EXPECT_EQ(c->splits[0].files,
            (std::vector<std::string>{"cfg/" + split + "-part2/0000.parquet", "cfg/" + split + "-part2/0001.parquet",
                                      "cfg/" + split + "-part10/0000.parquet"}));
}

TEST(LayoutRegress, HugePartNumberSortsLast) {
  auto l = infer_layout({"cfg/train-part99999999999999/0000.parquet", "cfg/train-part1/0000.parquet"}, std::nullopt);
  const auto* c = l.find("cfg");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->splits.size(), 1u);
  EXPECT_EQ(c->splits[0].files, (std::vector<std::string>{"cfg/train-part1/0000.parquet",
                                                          "cfg/train-part99999999999999/0000.parquet"}));
}
