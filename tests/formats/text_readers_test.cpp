// JSON Lines, JSON and CSV readers: RFC 4180 quoting, BOMs, blank lines, column order, and one clear
// error (with the line number) for bad input. Expected values are written out by hand from the
// formats' specifications and from what pandas / the datasets library do with the same text.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include <zlib.h>

#include "common/test_support.h"
#include "formats/rows.h"
#include "util/error.h"

namespace fs = std::filesystem;
using lighteval::Json;
using namespace lighteval::formats;

namespace {

std::vector<Json> all(std::unique_ptr<RowReader> r) {
  std::vector<Json> rows;
  Json row;
  while (r->next(row)) rows.push_back(row);
  return rows;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lighteval::Error& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path write_file(const std::string& name, const std::string& content) {
  static fs::path dir = lighteval::testing::temp_dir("formats_text");
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST(Jsonl, RowsKeepKeyOrderAndSkipBlankLines) {
  auto r = open_jsonl_text("\xef\xbb\xbf{\"b\": 1, \"a\": [1, 2]}\r\n\n   \n{\"a\": \"x\", \"b\": null}\n", "t.jsonl");
  EXPECT_EQ(r->column_names(), (std::vector<std::string>{"b", "a"}));
  auto rows = all(std::move(r));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dump(), R"({"b":1,"a":[1,2]})");
  EXPECT_EQ(rows[1].dump(), R"({"a":"x","b":null})");
}

TEST(Jsonl, BadLineNamesFileAndLine) {
  auto r = open_jsonl_text("{\"a\": 1}\n\n{\"a\": 2,}\n", "data.jsonl");
  Json row;
  EXPECT_TRUE(r->next(row));
  std::string msg = error_of([&] { r->next(row); });
  EXPECT_NE(msg.find("data.jsonl:3: invalid JSON"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  msg = error_of([] { all(open_jsonl_text("{\"a\": 1}\n[1, 2]\n", "d.jsonl")); });
  EXPECT_NE(msg.find("d.jsonl:2: expected a JSON object, found an array"), std::string::npos) << msg;
}

TEST(Jsonl, EmptyFileHasNoRows) {
  auto r = open_jsonl_text("\n\n", "e.jsonl");
  EXPECT_TRUE(r->column_names().empty());
  Json row;
  EXPECT_FALSE(r->next(row));
}

TEST(Jsonl, GzipAndMissingFiles) {
  fs::path p = lighteval::testing::temp_dir("formats_gz") / "x.jsonl.gz";
  gzFile gz = gzopen(p.string().c_str(), "wb");
  std::string text = "{\"q\": \"caf\xc3\xa9\"}\n{\"q\": \"b\"}\n";
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  auto rows = read_all_rows(p);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["q"], "caf\xc3\xa9");
  std::string msg = error_of([] { open_rows("no/such/file.jsonl"); });
  EXPECT_NE(msg.find("no/such/file.jsonl: no such file"), std::string::npos) << msg;
  msg = error_of([] { open_rows("table.xlsx"); });
  EXPECT_NE(msg.find("unsupported data file type"), std::string::npos) << msg;
}

TEST(Json, ArrayOfObjectsFillsMissingKeysWithNull) {
  auto r = open_json_text(R"([{"a": 1, "b": "x"}, {"c": true, "a": 2}])", "t.json");
  EXPECT_EQ(r->column_names(), (std::vector<std::string>{"a", "b", "c"}));
  auto rows = all(std::move(r));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dump(), R"({"a":1,"b":"x","c":null})");
  EXPECT_EQ(rows[1].dump(), R"({"a":2,"b":null,"c":true})");
}

TEST(Json, ObjectHoldingOneArrayAndColumnarForm) {
  auto rows = all(open_json_text("\xef\xbb\xbf{\"data\": [{\"q\": 1}, {\"q\": 2}]}", "t.json"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["q"], 2);
  rows = all(open_json_text(R"({"a": [1, 2, 3], "b": ["x", "y", "z"]})", "c.json"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].dump(), R"({"a":3,"b":"z"})");
}

TEST(Json, JsonLinesInADotJsonFile) {
  // The datasets library reads .json files that hold JSON Lines.
  auto rows = all(open_json_text("{\"a\": 1}\n{\"a\": 2}\n", "lines.json"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["a"], 2);
}

TEST(Json, BadDocumentsGiveOneLine) {
  std::string msg = error_of([] { open_json_text("[{\"a\": 1}, {\"a\": ]", "bad.json"); });
  EXPECT_NE(msg.find("bad.json: invalid JSON"), std::string::npos) << msg;
  msg = error_of([] { open_json_text("[{\"a\": 1}, 3]", "bad.json"); });
  EXPECT_NE(msg.find("element 1 is a number"), std::string::npos) << msg;
  msg = error_of([] { open_json_text("\"just a string\"", "s.json"); });
  EXPECT_NE(msg.find("expected a JSON array of row objects"), std::string::npos) << msg;
}

TEST(Csv, Rfc4180Quoting) {
  // Quoted fields with commas, doubled quotes, CR LF and LF inside quotes; CR LF record ends.
  std::string text =
      "\xef\xbb\xbfquestion,choice,answer\r\n"
      "\"Is a, b?\",\"say \"\"hi\"\"\",A\r\n"
      "\"line1\r\nline2\",\"x\ny\",\r\n"
      "plain,,\"\"\r\n";
  auto r = open_csv_text(text, "t.csv");
  EXPECT_EQ(r->column_names(), (std::vector<std::string>{"question", "choice", "answer"}));
  auto rows = all(std::move(r));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["question"], "Is a, b?");
  EXPECT_EQ(rows[0]["choice"], "say \"hi\"");
  EXPECT_EQ(rows[0]["answer"], "A");
  EXPECT_EQ(rows[1]["question"], "line1\r\nline2");
  EXPECT_EQ(rows[1]["choice"], "x\ny");
  EXPECT_EQ(rows[1]["answer"], "");
  EXPECT_EQ(rows[2].dump(), R"({"question":"plain","choice":"","answer":""})");
}

TEST(Csv, BlankLinesShortRowsNoFinalNewlineDuplicateHeaders) {
  auto rows = all(open_csv_text("a,b,a\n\n1,2,3\n4\n\n5,6,7", "t.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].dump(), R"({"a":"1","b":"2","a.1":"3"})");  // pandas' ".1" for a repeated name
  EXPECT_EQ(rows[1].dump(), R"({"a":"4","b":null,"a.1":null})");
  EXPECT_EQ(rows[2].dump(), R"({"a":"5","b":"6","a.1":"7"})");
}

TEST(Csv, ErrorsNameTheLine) {
  std::string msg = error_of([] { all(open_csv_text("a,b\n1,2\n\"x\ny\",2\n1,2,3\n", "m.csv")); });
  EXPECT_NE(msg.find("m.csv:5: row has 3 fields but the header has 2"), std::string::npos) << msg;
  msg = error_of([] { all(open_csv_text("a,b\n1,2\n\"open,2\n3,4\n", "u.csv")); });
  EXPECT_NE(msg.find("u.csv:3: a quoted field is never closed"), std::string::npos) << msg;
  msg = error_of([] { open_csv_text("", "empty.csv"); });
  EXPECT_NE(msg.find("empty.csv: the CSV file is empty"), std::string::npos) << msg;
}

TEST(Csv, FromFileWithOpenRows) {
  fs::path p = write_file("rows.csv", "id,text\n1,\"multi\nline\"\n2,done\n");
  auto rows = read_all_rows(p);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["text"], "multi\nline");
  EXPECT_EQ(rows[1]["id"], "2");
}

TEST(Jsonl, NumberOverflowIsAnInvalidLine) {
  // nlohmann reports 1e999 as out_of_range, not parse_error (found by the fuzzer).
  std::string msg = error_of([] { all(open_jsonl_text("{\"a\": 1}\n{\"a\": 100e900}\n", "o.jsonl")); });
  EXPECT_NE(msg.find("o.jsonl:2: invalid JSON (number overflow"), std::string::npos) << msg;
  msg = error_of([] { open_json_text("[{\"a\": 99e99990}]", "o.json"); });
  EXPECT_NE(msg.find("o.json: invalid JSON (number overflow"), std::string::npos) << msg;
}
