// The parquet writer: round trips through our reader, a byte-exact golden file that pyarrow read on
// the device (tests/fixtures/parquet/written_by_us.parquet, rows as pyarrow decoded them in
// written_by_us.json), and clear errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "common/test_support.h"
#include "formats/parquet_reader.h"
#include "formats/parquet_writer.h"
#include "formats/rows.h"
#include "json_compare.h"
#include "util/error.h"

namespace fs = std::filesystem;
using lighteval::Json;
using namespace lighteval::formats;
using Kind = ParquetColumn::Type;

namespace {

std::vector<ParquetColumn> golden_table() {
  // Shaped like lighteval's details: str()-cast strings, plus the other supported types and nulls.
  ParquetColumn example{"example", Kind::string, {}}, full{"full_prompt", Kind::string, {}};
  ParquetColumn idx{"index", Kind::int64, {}}, score{"acc", Kind::float64, {}}, ok{"truncated", Kind::boolean, {}};
  for (int i = 0; i < 23; ++i) {
    example.values.push_back(i % 7 == 3 ? Json(nullptr) : Json("Question " + std::to_string(i) + ": caf\xc3\xa9 \xf0\x9f\x99\x82 \"q\",\n"));
    full.values.push_back(std::string(static_cast<size_t>(i) * 3, 'x'));
    idx.values.push_back(i % 5 == 4 ? Json(nullptr) : Json(static_cast<int64_t>(i) * 1000003 - 9000000000LL));
    score.values.push_back(i % 6 == 5 ? Json(nullptr) : Json(i / 8.0 - 1.0));
    ok.values.push_back(i % 4 == 2 ? Json(nullptr) : Json(i % 3 == 0));
  }
  return {example, full, idx, score, ok};
}

Json golden_metadata() {
  return Json{{"lighteval", "details"}, {"config", Json{{"task", "leaderboard|arc:challenge|25"}, {"shots", 25}}}};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lighteval::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ParquetWriter, RoundTripThroughOurReader) {
  fs::path dir = lighteval::testing::temp_dir("pq_writer");
  auto table = golden_table();
  // A long column forces several pages (a page closes after about 1 MiB of values).
  ParquetColumn big{"big", Kind::string, {}};
  for (size_t i = 0; i < table[0].values.size(); ++i) big.values.push_back(std::string(100000 + i, 'a' + i % 26));
  table.push_back(big);
  fs::path file = dir / "sub" / "details.parquet";
  write_parquet(file, table, golden_metadata());
  auto reader = open_parquet(file);
  std::vector<std::string> names;
  for (const auto& c : table) names.push_back(c.name);
  EXPECT_EQ(reader->column_names(), names);
  Json row;
  size_t i = 0;
  while (reader->next(row)) {
    for (const auto& c : table) EXPECT_EQ(row[c.name], c.values[i]) << c.name << " row " << i;
    ++i;
  }
  EXPECT_EQ(i, table[0].values.size());
  Json md = parquet_key_value_metadata(file);
  EXPECT_EQ(md["lighteval"], "details");
  EXPECT_EQ(md["config"]["shots"], 25);
  // Atomic write: only the final file is left.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "sub")) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(ParquetWriter, EmptyTableAndOverwrite) {
  fs::path file = lighteval::testing::temp_dir("pq_writer_empty") / "e.parquet";
  write_parquet(file, {{"a", Kind::string, {}}});
  EXPECT_TRUE(read_all_rows(file).empty());
  write_parquet(file, {{"a", Kind::int64, {Json(1), Json(nullptr)}}});
  auto rows = read_all_rows(file);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["a"], 1);
  EXPECT_TRUE(rows[1]["a"].is_null());
}

TEST(ParquetWriter, MatchesTheFilePyarrowRead) {
  fs::path golden = lighteval::testing::fixtures_dir() / "parquet" / "written_by_us.parquet";
  fs::path file = lighteval::testing::temp_dir("pq_writer_golden") / "written_by_us.parquet";
  write_parquet(file, golden_table(), golden_metadata());
  if (std::getenv("LIGHTEVAL_WRITE_FIXTURES")) fs::copy_file(file, golden, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(fs::exists(golden));
  EXPECT_EQ(slurp(file), slurp(golden)) << "the writer's bytes changed; re-check the new file with pyarrow "
                                           "(scripts/fixtures/make_parquet_matrix.py --only-check)";
  // The rows pyarrow decoded from that file.
  std::ifstream in(lighteval::testing::fixtures_dir() / "parquet" / "written_by_us.json");
  ASSERT_TRUE(in);
  auto rows = read_all_rows(golden);
  std::string line;
  size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, rows.size());
    std::string where;
    EXPECT_TRUE(lighteval::testing::json_same(rows[i], Json::parse(line), where)) << "row " << i << where;
    ++i;
  }
  EXPECT_EQ(i, rows.size());
}

TEST(ParquetWriter, BadTablesAreClearErrors) {
  fs::path dir = lighteval::testing::temp_dir("pq_writer_bad");
  std::string msg = error_of([&] { write_parquet(dir / "a.parquet", {{"a", Kind::string, {Json("x")}}, {"b", Kind::string, {}}}); });
  EXPECT_NE(msg.find("column 'b' has 0 values but column 'a' has 1"), std::string::npos) << msg;
  msg = error_of([&] { write_parquet(dir / "a.parquet", {{"a", Kind::int64, {Json("7")}}}); });
  EXPECT_NE(msg.find("column 'a' row 0 holds \"7\", but the column is an integer column"), std::string::npos) << msg;
  msg = error_of([&] { write_parquet(dir / "a.parquet", {{"a", Kind::string, {}}, {"a", Kind::string, {}}}); });
  EXPECT_NE(msg.find("appears twice"), std::string::npos) << msg;
  std::ofstream(dir / "plainfile") << "x";
  msg = error_of([&] { write_parquet(dir / "plainfile" / "a.parquet", {{"a", Kind::string, {}}}); });
  EXPECT_NE(msg.find("cannot write"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "a.parquet"));
}

TEST(ParquetReaderErrors, CorruptFilesGiveOneLine) {
  fs::path dir = lighteval::testing::temp_dir("pq_corrupt");
  fs::path good = dir / "good.parquet";
  write_parquet(good, golden_table());
  std::string bytes = slurp(good);
  auto msg_for = [&](const std::string& b) {
    return error_of([&] { auto r = open_parquet_bytes(b, "x.parquet"); Json row; while (r->next(row)) {} });
  };
  EXPECT_NE(msg_for("hello").find("too small to be parquet"), std::string::npos);
  EXPECT_NE(msg_for(bytes.substr(0, bytes.size() / 2)).find("PAR1 magic"), std::string::npos);
  std::string bad_footer = bytes;
  bad_footer[bad_footer.size() - 8] = '\x7f';
  bad_footer[bad_footer.size() - 7] = '\x7f';
  EXPECT_NE(msg_for(bad_footer).find("footer length is invalid"), std::string::npos);
  // Flip bytes inside the first page: snappy or the decoders must notice, never crash.
  for (size_t at = 4; at < 60; ++at) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ 0x5a);
    std::string m = msg_for(b);
    if (m != "(no error)") EXPECT_EQ(m.rfind("cannot read parquet file x.parquet: ", 0), 0u) << m;
  }
  std::string m = error_of([] { open_parquet("missing.parquet"); });
  EXPECT_NE(m.find("missing.parquet: no such file"), std::string::npos) << m;
}
