#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/test_support.h"
#include "report/atomic_file.h"
#include "report/details.h"
#include "report/py_repr.h"
#include "report/results.h"
#include "report/xxhash64.h"
#include "util/error.h"

namespace lighteval::report {
namespace {

// Reference digests from the system's libxxhash 0.8.1 (XXH64(data, len, 0) called through
// python3 ctypes), an implementation independent of ours.
TEST(XxHash64, MatchesLibxxhash) {
  EXPECT_EQ(xxhash64_hex(""), "ef46db3751d8e999");
  EXPECT_EQ(xxhash64_hex("a"), "d24ec4f1a98c6e5b");
  EXPECT_EQ(xxhash64_hex("abc"), "44bc2cf5ad770999");
  EXPECT_EQ(xxhash64_hex("Nobody inspects the spammish repetition"), "fbcea83c8a378bf1");
  std::string bytes;
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(xxhash64_hex(bytes), "8e03c838c596036f");
  EXPECT_EQ(xxhash64_hex("h\xc3\xa9llo \xe2\x9c\x93"), "8c7edbda5125f807");
}

// Expected strings are CPython 3's repr() of the same values.
TEST(PyRepr, FloatsLikeCPython) {
  EXPECT_EQ(py_float_repr(0.1), "0.1");
  EXPECT_EQ(py_float_repr(1e-05), "1e-05");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(py_float_repr(2.5), "2.5");
  EXPECT_EQ(py_float_repr(100.0), "100.0");
  EXPECT_EQ(py_float_repr(-0.6394267984578837), "-0.6394267984578837");
  EXPECT_EQ(py_float_repr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(py_float_repr(5e-324), "5e-324");
  EXPECT_EQ(py_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(py_float_repr(0.00012345), "0.00012345");
  EXPECT_EQ(py_float_repr(std::nan("")), "nan");
}

TEST(PyRepr, StringsAndContainersLikeCPython) {
  EXPECT_EQ(py_str_repr("it's"), "\"it's\"");
  EXPECT_EQ(py_str_repr("a\"b"), "'a\"b'");
  EXPECT_EQ(py_str_repr("both'\""), "'both\\'\"'");
  EXPECT_EQ(py_str_repr("tab\there\n"), "'tab\\there\\n'");
  EXPECT_EQ(py_str_repr("\x01\x7f"), "'\\x01\\x7f'");
  EXPECT_EQ(py_str_repr("\xc3\xa9\xe2\x9c\x93"), "'\xc3\xa9\xe2\x9c\x93'");
  Json d = Json::object();
  d["acc"] = 1;
  d["acc_norm"] = 0.5;
  d["x"] = nullptr;
  d["l"] = Json::array({true, "a"});
  EXPECT_EQ(py_repr(d), "{'acc': 1, 'acc_norm': 0.5, 'x': None, 'l': [True, 'a']}");
}

TEST(PythonJson, MatchesJsonDumpsIndent2) {
  // json.dumps({...}, indent=2, ensure_ascii=False) in CPython 3.
  Json j = Json::object();
  j["a"] = 1.0;
  j["b"] = Json::array();
  j["c"] = Json::object();
  j["d"] = Json::array({1, "x\xc3\xa9\n"});
  j["e"] = std::nan("");
  j["f"] = nullptr;
  EXPECT_EQ(dump_python_json(j),
            "{\n  \"a\": 1.0,\n  \"b\": [],\n  \"c\": {},\n  \"d\": [\n    1,\n    \"x\xc3\xa9\\n\"\n  ],\n"
            "  \"e\": NaN,\n  \"f\": null\n}");
}

TEST(ResultsTable, PytablewriterMarkdownLayout) {
  Json results = Json::parse(R"({
    "leaderboard|arc:challenge|25": {"acc": 0.21, "acc_stderr": 0.012, "acc_norm": 0.22, "acc_norm_stderr": 0.01234},
    "all": {"acc": 0.24, "acc_stderr": 0.03}})");
  Json versions = Json::parse(R"({"leaderboard|arc:challenge|25": 0})");
  // Rows in sorted key order ('all' first), '|' shown as ':', version on the first row of a task,
  // centered headers, numbers right-aligned: the layout of lighteval's make_results_table.
  std::string expected =
      "|            Task            |Version| Metric |Value |   |Stderr|\n"
      "|----------------------------|------:|--------|-----:|---|-----:|\n"
      "|all                         |       |acc     |0.2400|±  |0.0300|\n"
      "|leaderboard:arc:challenge:25|      0|acc     |0.2100|±  |0.0120|\n"
      "|                            |       |acc_norm|0.2200|±  |0.0123|\n";
  EXPECT_EQ(results_table(results, versions), expected);
}

TEST(Paths, V05Layout) {
  EXPECT_EQ(results_file_path("out", "org/model", "2024-09-24T15-30-35.123456").string(),
            "out/results/org/model/results_2024-09-24T15-30-35.123456.json");
  EXPECT_EQ(details_file_path("out", "dummy", "D", "leaderboard|gsm8k|5").string(),
            "out/details/dummy/D/details_leaderboard|gsm8k|5_D.parquet");
  EXPECT_EQ(model_name_for_path("/data/models/my-model", true), "_data_models_my-model");
  EXPECT_EQ(model_name_for_path("/home/u/.cache/huggingface/hub/models--org--name/snapshots/abc", true), "org/name");
  EXPECT_EQ(model_name_for_path("org/name", false), "org/name");
}

TEST(DateId, IsoformatWithDashes) {
  std::string d = date_id();
  ASSERT_GE(d.size(), 19u);
  EXPECT_EQ(d[4], '-');
  EXPECT_EQ(d[10], 'T');
  EXPECT_EQ(d[13], '-');
  EXPECT_EQ(d[16], '-');
  EXPECT_EQ(d.find(':'), std::string::npos);
  // Whole seconds: isoformat() has no fraction.
  auto t = std::chrono::system_clock::from_time_t(1700000000);
  EXPECT_EQ(date_id(t).size(), 19u);
  EXPECT_EQ(date_id(t + std::chrono::microseconds(5)).substr(19), ".000005");
}

TEST(Summary, CountsFollowV05) {
  DetailRecord a;
  a.example = "q1";
  a.num_asked_few_shots = 5;
  a.num_effective_few_shots = 5;
  a.truncated = {0, 3};
  a.padded = {0, 2};
  a.input_tokens = {{1, 2}, {3}};
  a.cont_tokens = {{4}, {5}};
  DetailRecord b = a;
  b.example = "q2";
  b.num_effective_few_shots = 3;
  b.truncated = {0, 0};
  b.padded = {0, 0};
  Json s = task_summary({a, b});
  EXPECT_EQ(s["truncated"], 1);
  EXPECT_EQ(s["non_truncated"], 1);  // 2 records - 1 truncated request
  EXPECT_EQ(s["padded"], 1);
  EXPECT_EQ(s["non_padded"], 3);
  EXPECT_DOUBLE_EQ(s["effective_few_shots"].get<double>(), 4.0);
  EXPECT_EQ(s["num_truncated_few_shots"], 1);
  // Task hash = xxh64 of the sorted per-sample hashes joined (digests from libxxhash, as above).
  std::string h1 = xxhash64_hex("q1"), h2 = xxhash64_hex("q2");
  EXPECT_EQ(s["hashes"]["hash_examples"], xxhash64_hex(h1 < h2 ? h1 + h2 : h2 + h1));
  EXPECT_EQ(s["hashes"]["hash_input_tokens"], xxhash64_hex(xxhash64_hex("[[1, 2], [3]]") + xxhash64_hex("[[1, 2], [3]]")));
  Json tasks = Json::object();
  tasks["b|t|0"] = s;
  tasks["a|t|0"] = s;
  Json g = general_summary(tasks);
  EXPECT_EQ(g["truncated"], 2);
  EXPECT_EQ(g["non_padded"], 6);
  EXPECT_FALSE(g.contains("effective_few_shots"));
}

TEST(Details, ColumnsSortedAndStrCast) {
  DetailRecord r;
  r.example = "Q";
  r.predictions = "[(-0.5, False)]";
  r.choices = Json::array({" A", " B"});
  r.gold_index = Json::array({1});
  r.metrics = Json::object({{"acc", 0}});
  r.truncated = {0};
  r.padded = {0};
  r.input_tokens = {{}};
  r.cont_tokens = {{}};
  auto cols = detail_columns(r);
  ASSERT_EQ(cols.size(), 16u);
  for (size_t i = 1; i < cols.size(); ++i) EXPECT_LT(cols[i - 1].first, cols[i].first);
  EXPECT_EQ(cols[0].second, "[' A', ' B']");
  EXPECT_EQ(cols[1].second, "[[]]");
  EXPECT_EQ(cols[5].second, "[1]");
  EXPECT_EQ(cols[8].second, "{'acc': 0}");
  EXPECT_EQ(cols[14].second, "None");
}

TEST(AtomicFile, WritesAndReplaces) {
  auto dir = testing::temp_dir("report_atomic");
  auto p = dir / "a" / "b" / "f.json";
  write_file_atomic(p, "one");
  write_file_atomic(p, "two");
  EXPECT_EQ(testing::read_file(p), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(p.parent_path()), {}), 1);
  EXPECT_THROW(write_file_atomic("/proc/not/writable/f", "x"), Error);
}

}  // namespace
}  // namespace lighteval::report
