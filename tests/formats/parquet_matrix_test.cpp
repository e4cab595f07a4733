// The pyarrow-written parquet matrix (scripts/fixtures/make_parquet_matrix.py): every encoding,
// codec, page version, nesting and null pattern, read and compared row by row with the rows pyarrow
// itself decoded from the same file.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "formats/rows.h"
#include "json_compare.h"
#include "common/test_support.h"

namespace fs = std::filesystem;
using lighteval::Json;
using namespace lighteval::formats;

namespace {

std::vector<Json> expected_rows(const fs::path& json_lines) {
  std::ifstream in(json_lines);
  std::vector<Json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(Json::parse(line));
  return rows;
}

fs::path matrix_dir() { return lighteval::testing::fixtures_dir() / "parquet"; }

}  // namespace

TEST(ParquetMatrix, EveryFileReadsExactlyAsPyarrowDoes) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(matrix_dir()))
    if (e.path().extension() == ".parquet" && e.path().filename() != "written_by_us.parquet") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 40u) << "the parquet matrix fixtures are missing";
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    fs::path exp_path = f;
    exp_path.replace_extension(".json");
    ASSERT_TRUE(fs::exists(exp_path));
    std::vector<Json> expected = expected_rows(exp_path);
    auto reader = open_parquet(f);
    Json row;
    size_t i = 0;
    while (reader->next(row)) {
      ASSERT_LT(i, expected.size()) << "more rows than pyarrow read";
      std::string where;
      ASSERT_TRUE(lighteval::testing::json_same(row, expected[i], where)) << "row " << i << ": " << where;
      ++i;
    }
    EXPECT_EQ(i, expected.size());
  }
}

TEST(ParquetMatrix, ManifestCoversEveryEncodingAndCodec) {
  // Guards the generator: the matrix must keep exercising what the reader claims to support.
  std::ifstream in(matrix_dir() / "MANIFEST.json");
  ASSERT_TRUE(in) << "MANIFEST.json missing";
  Json manifest = Json::parse(in);
  std::set<std::string> encodings, codecs;
  for (auto& [name, f] : manifest["files"].items())
    for (auto& [col, c] : f["columns"].items()) {
      codecs.insert(c["compression"].get<std::string>());
      for (auto& e : c["encodings"]) encodings.insert(e.get<std::string>());
    }
  for (const char* e : {"PLAIN", "PLAIN_DICTIONARY", "RLE_DICTIONARY", "RLE", "DELTA_BINARY_PACKED",
                        "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "BYTE_STREAM_SPLIT"})
    EXPECT_TRUE(encodings.count(e)) << e;
  for (const char* c : {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4", "BROTLI"}) EXPECT_TRUE(codecs.count(c)) << c;
}

TEST(ParquetMatrix, ColumnNamesFollowTheSchema) {
  auto reader = open_parquet(matrix_dir() / "nested_dict_v1.parquet");
  std::vector<std::string> want = {"l_i32", "l_s", "ll_i64", "l_struct", "st_l", "m_si",
                                   "m_sl", "l_m", "st_nulls", "fsl", "lll_s"};
  EXPECT_EQ(reader->column_names(), want);
}

TEST(ParquetMatrix, SpotValuesRenderAsDocumented) {
  // Hand-checked renderings (see formats/parquet_schema.h), independent of the expected files.
  auto rows = read_all_rows(matrix_dir() / "types_plain_v1.parquet");
  ASSERT_EQ(rows.size(), 50u);
  for (const Json& r : rows) {
    if (!r["d32"].is_null()) EXPECT_EQ(r["d32"].get<std::string>().size(), 10u);
    if (!r["ts_us_utc"].is_null()) EXPECT_EQ(r["ts_us_utc"].get<std::string>().back(), 'Z');
    if (!r["ts_ns"].is_null()) EXPECT_EQ(r["ts_ns"].get<std::string>().size(), 29u);  // 9 fraction digits
    if (!r["dec_mid"].is_null()) {
      const std::string& d = r["dec_mid"].get_ref<const std::string&>();
      EXPECT_EQ(d.size() - d.find('.') - 1, 5u) << d;
    }
    EXPECT_TRUE(r["nulls"].is_null());
  }
}
