// The real Hub-layout datasets in ../shared/assets/hub/datasets: every parquet file is read, row
// counts match the assets README, and values match the raw source files they were built from.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "formats/parquet_reader.h"
#include "formats/rows.h"
#include "common/test_support.h"

namespace fs = std::filesystem;
using lighteval::Json;
using namespace lighteval::formats;

namespace {

fs::path datasets() { return lighteval::testing::assets_dir() / "hub" / "datasets"; }
fs::path raw() { return lighteval::testing::assets_dir() / "raw"; }

std::vector<Json> rows_of(const std::string& repo_config_split) {
  return read_all_rows(datasets() / repo_config_split / "0000.parquet");
}

// Raw JSON Lines parsed line by line with nlohmann directly (not through our reader).
std::vector<Json> raw_jsonl(const fs::path& p) {
  std::ifstream in(p);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

size_t count_rows(const fs::path& file) {
  auto r = open_parquet(file);
  Json row;
  size_t n = 0;
  while (r->next(row)) ++n;
  return n;
}

}  // namespace

TEST(ParquetAssets, EveryFileReadsWithTheReadmeRowCounts) {
  LIGHTEVAL_REQUIRE_SHARED();
  const std::map<std::string, size_t> known = {
      {"ai2_arc/ARC-Challenge/train", 1119}, {"ai2_arc/ARC-Challenge/validation", 299},
      {"ai2_arc/ARC-Challenge/test", 1172}, {"ai2_arc/ARC-Easy/train", 2251},
      {"ai2_arc/ARC-Easy/validation", 570}, {"ai2_arc/ARC-Easy/test", 2376},
      {"truthful_qa/multiple_choice/validation", 817}, {"gsm8k/main/train", 7473},
      {"gsm8k/main/test", 1319}, {"lighteval/mmlu/all/dev", 285}, {"lighteval/mmlu/all/validation", 1542},
      {"lighteval/mmlu/all/test", 14079}, {"lighteval/mmlu/abstract_algebra/test", 100},
      {"lighteval/mmlu/college_chemistry/test", 100}, {"lighteval/mmlu/computer_security/test", 100},
      {"lighteval/mmlu/us_foreign_policy/test", 100}, {"hellaswag/default/validation", 1000},
      {"winogrande/winogrande_xl/validation", 1267}, {"piqa/plain_text/validation", 1838},
      {"ybisk/piqa/plain_text/validation", 1838}, {"super_glue/boolq/validation", 3270},
      {"EleutherAI/lambada_openai/default/test", 5153},
      {"EleutherAI/wikitext_document_level/wikitext-2-raw-v1/test", 62},
      {"EleutherAI/wikitext_document_level/wikitext-103-raw-v1/test", 62},
      {"wikitext/wikitext-2-raw-v1/test", 2891}};
  size_t files = 0, checked = 0;
  std::map<std::string, size_t> mmlu_subject_sum;  // split -> rows over all subjects but "all"
  for (const auto& e : fs::recursive_directory_iterator(datasets())) {
    if (e.path().extension() != ".parquet") continue;
    ++files;
    std::string rel = fs::relative(e.path().parent_path(), datasets()).generic_string();
    SCOPED_TRACE(rel);
    size_t n = count_rows(e.path());
    EXPECT_EQ(static_cast<int64_t>(n), parquet_info(e.path()).num_rows);
    if (auto it = known.find(rel); it != known.end()) {
      EXPECT_EQ(n, it->second);
      ++checked;
    }
    if (rel.rfind("lighteval/mmlu/", 0) == 0 && rel.find("/all/") == std::string::npos) {
      std::string split = e.path().parent_path().filename().string();
      mmlu_subject_sum[split] += n;
      if (split == "dev") EXPECT_EQ(n, 5u);
    }
  }
  EXPECT_GE(files, 190u);
  EXPECT_EQ(checked, known.size());
  // README: "all" is the 57 subjects concatenated.
  EXPECT_EQ(mmlu_subject_sum["dev"], 285u);
  EXPECT_EQ(mmlu_subject_sum["validation"], 1542u);
  EXPECT_EQ(mmlu_subject_sum["test"], 14079u);
}

TEST(ParquetAssets, TruthfulQaMatchesRawMcTask) {
  LIGHTEVAL_REQUIRE_SHARED();
  std::ifstream in(raw() / "truthfulqa" / "mc_task.json");
  Json raw_rows = Json::parse(in);  // ordered: keys keep file order, as the parquet choices do
  auto rows = rows_of("truthful_qa/multiple_choice/validation");
  ASSERT_EQ(rows.size(), raw_rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i]["question"], raw_rows[i]["question"]);
    for (const char* t : {"mc1_targets", "mc2_targets"}) {
      Json choices = Json::array(), labels = Json::array();
      for (auto& [k, v] : raw_rows[i][t].items()) {
        choices.push_back(k);
        labels.push_back(v);
      }
      EXPECT_EQ(rows[i][t]["choices"], choices);
      EXPECT_EQ(rows[i][t]["labels"], labels);
    }
  }
}

TEST(ParquetAssets, Gsm8kMatchesRawJsonl) {
  LIGHTEVAL_REQUIRE_SHARED();
  for (const char* split : {"train", "test"}) {
    auto rows = rows_of(std::string("gsm8k/main/") + split);
    auto raw_rows = raw_jsonl(raw() / "gsm8k" / (std::string(split) + ".jsonl"));
    ASSERT_EQ(rows.size(), raw_rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i]["question"], raw_rows[i]["question"]) << split << " row " << i;
      ASSERT_EQ(rows[i]["answer"], raw_rows[i]["answer"]) << split << " row " << i;
    }
  }
}

TEST(ParquetAssets, ArcChallengeMatchesRawJsonl) {
  LIGHTEVAL_REQUIRE_SHARED();
  const std::pair<const char*, const char*> splits[] = {{"train", "Train"}, {"validation", "Dev"}, {"test", "Test"}};
  for (auto [split, raw_name] : splits) {
    auto rows = rows_of(std::string("ai2_arc/ARC-Challenge/") + split);
    auto raw_rows = raw_jsonl(raw() / "arc" / (std::string("ARC-Challenge-") + raw_name + ".jsonl"));
    ASSERT_EQ(rows.size(), raw_rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      SCOPED_TRACE(std::string(split) + " row " + std::to_string(i));
      const Json& r = raw_rows[i];
      ASSERT_EQ(rows[i]["id"], r["id"]);
      ASSERT_EQ(rows[i]["question"], r["question"]["stem"]);
      Json text = Json::array(), label = Json::array();
      for (const Json& c : r["question"]["choices"]) {
        text.push_back(c["text"]);
        label.push_back(c["label"]);
      }
      ASSERT_EQ(rows[i]["choices"]["text"], text);
      ASSERT_EQ(rows[i]["choices"]["label"], label);
      ASSERT_EQ(rows[i]["answerKey"], r["answerKey"]);
    }
  }
}

TEST(ParquetAssets, KnownRowsOfTheOtherDatasets) {
  LIGHTEVAL_REQUIRE_SHARED();
  // Values published for these datasets' first rows (HF dataset viewer / the source files).
  auto mmlu = rows_of("lighteval/mmlu/abstract_algebra/test");
  EXPECT_EQ(mmlu[0]["question"], "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.");
  EXPECT_EQ(mmlu[0]["choices"], Json::parse(R"(["0","4","2","6"])"));
  EXPECT_EQ(mmlu[0]["answer"], 1);
  EXPECT_EQ(mmlu[0]["subject"], "abstract_algebra");

  auto hs = rows_of("hellaswag/default/validation");
  EXPECT_EQ(hs[0]["ind"], 20022);
  EXPECT_EQ(hs[0]["activity_label"], "Pole vault");
  EXPECT_EQ(hs[0]["endings"].size(), 4u);
  for (const Json& r : hs) EXPECT_TRUE(r["label"].is_string());

  auto wg = rows_of("winogrande/winogrande_xl/validation");
  EXPECT_EQ(wg[0]["sentence"], "Sarah was a much better surgeon than Maria so _ always got the easier cases.");
  EXPECT_EQ(wg[0]["option1"], "Sarah");
  EXPECT_EQ(wg[0]["option2"], "Maria");
  EXPECT_EQ(wg[0]["answer"], "2");

  auto piqa = rows_of("piqa/plain_text/validation");
  EXPECT_EQ(piqa[0]["goal"], "How do I ready a guinea pig cage for it's new occupants?");
  EXPECT_EQ(piqa[0]["label"], 0);

  auto boolq = rows_of("super_glue/boolq/validation");
  EXPECT_EQ(boolq[0]["question"], "does ethanol take more energy make that produces");
  EXPECT_EQ(boolq[0]["label"], 0);
  EXPECT_EQ(boolq[0]["idx"], 0);

  // README: row 4462's continuation starts with "\n\n".
  auto lambada = rows_of("EleutherAI/lambada_openai/default/test");
  EXPECT_NE(lambada[4462]["text"].get<std::string>().find(" saw the \n\nrecorder"), std::string::npos);

  // README: wikitext rows keep their "\n"; document-level pages are the same text split into pages
  // and joined back with "\n".
  auto lines = rows_of("wikitext/wikitext-2-raw-v1/test");
  auto pages = rows_of("EleutherAI/wikitext_document_level/wikitext-2-raw-v1/test");
  std::string by_line, by_page;
  for (const Json& r : lines) {
    const std::string& t = r["text"].get_ref<const std::string&>();
    ASSERT_EQ(t.back(), '\n');
    by_line += t;
  }
  for (size_t i = 0; i < pages.size(); ++i) by_page += (i ? "\n" : "") + pages[i]["page"].get<std::string>();
  EXPECT_EQ(by_page, by_line);
  EXPECT_EQ(pages[0]["page"].get<std::string>().rfind(" = Robert Boulter = \n", 0), 0u);
}

TEST(ParquetAssets, MmluAllIsTheSubjectsInAlphabeticalOrder) {
  LIGHTEVAL_REQUIRE_SHARED();
  std::vector<std::string> subjects;
  for (const auto& e : fs::directory_iterator(datasets() / "lighteval" / "mmlu"))
    if (e.path().filename() != "all") subjects.push_back(e.path().filename().string());
  std::sort(subjects.begin(), subjects.end());
  ASSERT_EQ(subjects.size(), 57u);
  auto all = rows_of("lighteval/mmlu/all/validation");
  size_t k = 0;
  for (const std::string& s : subjects)
    for (const Json& r : rows_of("lighteval/mmlu/" + s + "/validation")) {
      ASSERT_LT(k, all.size());
      ASSERT_EQ(all[k++], r) << s;
    }
  EXPECT_EQ(k, all.size());
}

TEST(ParquetAssets, HuggingfaceFeaturesMetadata) {
  LIGHTEVAL_REQUIRE_SHARED();
  Json md = parquet_key_value_metadata(datasets() / "lighteval/mmlu/all/test/0000.parquet");
  ASSERT_TRUE(md.contains("huggingface"));
  ASSERT_TRUE(md.contains("ARROW:schema"));
  const Json& features = md["huggingface"]["info"]["features"];
  EXPECT_EQ(features["answer"]["names"], Json::parse(R"(["A","B","C","D"])"));
  EXPECT_EQ(features["question"]["dtype"], "string");
  auto info = parquet_info(datasets() / "lighteval/mmlu/all/test/0000.parquet");
  EXPECT_EQ(info.num_row_groups, 1);
  EXPECT_NE(info.created_by.find("parquet-cpp-arrow"), std::string::npos);
}
