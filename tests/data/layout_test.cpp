// Which files make which split: fsspec glob semantics and datasets' layout rules (research notes
// §1.7, §4.2-4.4), with file lists shaped like real Hub repos.
#include <gtest/gtest.h>

#include "data/glob.h"
#include "data/layout.h"
#include "util/error.h"

using namespace lighteval::data;

TEST(Glob, FsspecSemantics) {
  EXPECT_TRUE(glob_match("main/train-*", "main/train-00000-of-00001.parquet"));
  EXPECT_FALSE(glob_match("main/train-*", "main/sub/train-0.parquet"));  // * stays in one component
  EXPECT_TRUE(glob_match("**/train/**", "train/a.jsonl"));                // ** matches zero dirs
  EXPECT_TRUE(glob_match("**/train/**", "x/y/train/z/a.jsonl"));
  EXPECT_TRUE(glob_match("data/*.csv", "data/a.csv"));
  EXPECT_FALSE(glob_match("data/*.csv", "data/a.csv.gz"));
  EXPECT_TRUE(glob_match("data/[0-9][0-9]?.json", "data/12x.json"));
  EXPECT_FALSE(glob_match("data/[!0-9]*.json", "data/1.json"));
  EXPECT_TRUE(glob_match("**", "a/b/c"));
}

TEST(Layout, ParquetExportWithPartialAndMultiPartSplits) {
  auto l = infer_layout({"default/partial-train/0001.parquet", "default/partial-train/0000.parquet",
                         "default/test/0000.parquet", "big/train-part1/0000.parquet", "big/train-part0/0001.parquet",
                         "big/train-part0/0000.parquet", ".gitattributes"},
                        std::nullopt);
  EXPECT_EQ(l.kind, DatasetLayout::Kind::parquet_export);
  EXPECT_EQ(l.subset_names(), (std::vector<std::string>{"big", "default"}));
  EXPECT_EQ(l.default_subset, "default");
  const auto* d = l.find("default");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->splits.size(), 2u);
  EXPECT_EQ(d->splits[0].name, "train");
  EXPECT_EQ(d->splits[0].files, (std::vector<std::string>{"default/partial-train/0000.parquet",
                                                          "default/partial-train/0001.parquet"}));
  EXPECT_EQ(d->splits[1].name, "test");
  const auto* b = l.find("big");
  ASSERT_EQ(b->splits.size(), 1u);
  EXPECT_EQ(b->splits[0].files, (std::vector<std::string>{"big/train-part0/0000.parquet", "big/train-part0/0001.parquet",
                                                          "big/train-part1/0000.parquet"}));
}

TEST(Layout, ReadmeConfigsAsGsm8kWritesThem) {
  const std::string readme =
      "---\nlicense: mit\nconfigs:\n- config_name: main\n  data_files:\n  - split: train\n    path: main/train-*\n"
      "  - split: test\n    path: main/test-*\n- config_name: socratic\n  data_files:\n  - split: train\n"
      "    path: socratic/train-*\n  - split: test\n    path: socratic/test-*\n  default: true\n---\n# GSM8K\n";
  auto l = infer_layout({"README.md", "main/test-00000-of-00001.parquet", "main/train-00000-of-00001.parquet",
                         "socratic/test-00000-of-00001.parquet", "socratic/train-00000-of-00001.parquet"},
                        readme);
  EXPECT_EQ(l.kind, DatasetLayout::Kind::readme_configs);
  EXPECT_EQ(l.default_subset, "socratic");
  const auto* m = l.find("main");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->splits.size(), 2u);
  EXPECT_EQ(m->splits[0].name, "train");
  EXPECT_EQ(m->splits[0].files, std::vector<std::string>{"main/train-00000-of-00001.parquet"});
  EXPECT_EQ(m->splits[1].files, std::vector<std::string>{"main/test-00000-of-00001.parquet"});
}

TEST(Layout, ReadmeDataFilesStringAndDataDir) {
  auto l = infer_layout({"README.md", "x/a.jsonl", "x/b.jsonl", "y/validation.csv", "y/test.csv"},
                        std::string("---\nconfigs:\n- config_name: one\n  data_files: x/*.jsonl\n"
                                    "- config_name: two\n  data_dir: y\n---\n"));
  ASSERT_TRUE(l.find("one"));
  EXPECT_EQ(l.find("one")->splits[0].name, "train");  // a plain string means one train split
  EXPECT_EQ(l.find("one")->splits[0].files, (std::vector<std::string>{"x/a.jsonl", "x/b.jsonl"}));
  const auto* two = l.find("two");
  ASSERT_EQ(two->splits.size(), 2u);
  EXPECT_EQ(two->splits[0].name, "validation");
  EXPECT_EQ(two->splits[0].files, std::vector<std::string>{"y/validation.csv"});
  EXPECT_EQ(two->splits[1].name, "test");
  EXPECT_TRUE(l.default_subset.empty());  // two configs, no default
  EXPECT_THROW(infer_layout({"README.md"}, std::string("---\nconfigs: [\n---\n")), lighteval::Error);
}

TEST(Layout, DefaultPatterns) {
  // push_to_hub's names.
  auto l = infer_layout({"README.md", "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet",
                         "data/validation-00000-of-00001.parquet"},
                        std::string("# no yaml header\n"));
  ASSERT_EQ(l.subset_names(), std::vector<std::string>{"default"});
  ASSERT_EQ(l.subsets[0].splits.size(), 2u);
  EXPECT_EQ(l.subsets[0].splits[0].files.size(), 2u);
  EXPECT_EQ(l.subsets[0].splits[1].name, "validation");
  // Keywords in file names (dev -> validation), metadata files and hidden files skipped.
  l = infer_layout({"dev.jsonl", "train.jsonl", "my_test_set.jsonl", "dataset_info.json", ".hidden/train.jsonl"},
                   std::nullopt);
  const auto& s = l.subsets[0].splits;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "train");
  EXPECT_EQ(s[0].files, std::vector<std::string>{"train.jsonl"});
  EXPECT_EQ(s[1].name, "validation");
  EXPECT_EQ(s[1].files, std::vector<std::string>{"dev.jsonl"});
  EXPECT_EQ(s[2].files, std::vector<std::string>{"my_test_set.jsonl"});
  // Keywords in directory names win over file names.
  l = infer_layout({"training/part1.csv", "eval/x_train.csv"}, std::nullopt);
  ASSERT_EQ(l.subsets[0].splits.size(), 2u);
  EXPECT_EQ(l.subsets[0].splits[0].files, std::vector<std::string>{"training/part1.csv"});
  EXPECT_EQ(l.subsets[0].splits[1].name, "test");
  // Nothing matches: everything is train; the most frequent format wins.
  l = infer_layout({"a.csv", "b.csv", "c.jsonl"}, std::nullopt);
  ASSERT_EQ(l.subsets[0].splits.size(), 1u);
  EXPECT_EQ(l.subsets[0].splits[0].files, (std::vector<std::string>{"a.csv", "b.csv"}));
}
