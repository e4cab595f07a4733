#include "raw_rows.h"

#include <fstream>
#include <map>
#include <stdexcept>

#include <gtest/gtest.h>

#include "common/test_support.h"
#include "util/error.h"

namespace lighteval::tasks::testing {

namespace {

std::vector<Json> read_jsonl(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("missing raw file " + p.string());
  std::vector<Json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(Json::parse(line));
  }
  return rows;
}

std::vector<Json> arc(const std::string& name) {
  std::vector<Json> rows;
  for (const Json& r : read_jsonl(lighteval::testing::assets_dir() / "raw" / "arc" / ("ARC-Challenge-" + name + ".jsonl"))) {
    Json text = Json::array(), label = Json::array();
    for (const Json& c : r["question"]["choices"]) {
      text.push_back(c["text"]);
      label.push_back(c["label"]);
    }
    rows.push_back(Json{{"id", r["id"]}, {"question", r["question"]["stem"]},
                        {"choices", Json{{"text", text}, {"label", label}}}, {"answerKey", r["answerKey"]}});
  }
  return rows;
}

std::vector<Json> truthfulqa() {
  std::ifstream in(lighteval::testing::assets_dir() / "raw" / "truthfulqa" / "mc_task.json");
  if (!in) throw std::runtime_error("missing raw truthfulqa file");
  Json data = Json::parse(in);  // ordered: keys keep file order, as the Hub mirror's choices
  std::vector<Json> rows;
  for (const Json& r : data) {
    Json row{{"question", r["question"]}};
    for (const char* key : {"mc1_targets", "mc2_targets"}) {
      Json choices = Json::array(), labels = Json::array();
      for (auto it = r[key].begin(); it != r[key].end(); ++it) {
        choices.push_back(it.key());
        labels.push_back(it.value());
      }
      row[key] = Json{{"choices", choices}, {"labels", labels}};
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::vector<Json> raw_rows(const std::string& repo, const std::string& subset_in, const std::string& split) {
  static std::map<std::string, std::vector<Json>> cache;
  std::string subset = subset_in;
  size_t limit = SIZE_MAX;
  if (size_t pos = subset.find("_first"); pos != std::string::npos) {
    limit = std::stoul(subset.substr(pos + 6));
    subset = subset.substr(0, pos);
  }
  std::string key = repo + "/" + subset + "/" + split;
  if (!cache.count(key)) {
    if (repo == "ai2_arc" && subset == "ARC-Challenge") {
      cache[key] = arc(split == "train" ? "Train" : split == "test" ? "Test" : "Dev");
    } else if (repo == "gsm8k" && subset == "main" && (split == "train" || split == "test")) {
      cache[key] = read_jsonl(lighteval::testing::assets_dir() / "raw" / "gsm8k" / (split + ".jsonl"));
    } else if (repo == "truthful_qa" && subset == "multiple_choice" && split == "validation") {
      cache[key] = truthfulqa();
    } else {
      throw lighteval::Error("test loader has no split " + key);
    }
  }
  const auto& rows = cache[key];
  return std::vector<Json>(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(std::min(limit, rows.size())));
}

RowLoader raw_row_loader() {
  return [](const std::string& repo, const std::string& subset, const std::string& split,
            const std::optional<std::string>&) { return raw_rows(repo, subset, split); };
}

void expect_prepared_matches(const PreparedTask& got, const Json& ref_case) {
  const Json& docs = ref_case["docs"];
  EXPECT_EQ(got.original_num_docs, ref_case["original_num_docs"].get<size_t>());
  ASSERT_EQ(got.docs.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    SCOPED_TRACE(ref_case["name"].get<std::string>() + " doc " + std::to_string(i));
    const PreparedDoc& p = got.docs[i];
    EXPECT_EQ(p.sample_id, docs[i]["sample_id"].get<std::string>());
    EXPECT_EQ(p.num_fewshot, docs[i]["num_fewshot"].get<int>());
    EXPECT_EQ(p.doc.ctx, docs[i]["ctx"].get<std::string>());
    const Json& choices = docs[i]["choices"];
    EXPECT_EQ(p.doc.choices_none, choices.is_null());
    if (!choices.is_null()) EXPECT_EQ(p.doc.choices, choices.get<std::vector<std::string>>());
    const Json& gold = docs[i]["gold_index"];
    if (gold.is_array()) {
      EXPECT_TRUE(p.doc.gold_index_is_list);
      EXPECT_EQ(p.doc.gold_index, gold.get<std::vector<int64_t>>());
    } else if (gold.is_null()) {
      EXPECT_TRUE(p.doc.gold_index.empty());
    } else {
      EXPECT_FALSE(p.doc.gold_index_is_list);
      EXPECT_EQ(p.doc.gold_index, std::vector<int64_t>{gold.get<int64_t>()});
    }
    EXPECT_EQ(p.doc.num_asked_few_shots, p.num_fewshot);
    EXPECT_EQ(p.doc.num_effective_few_shots, static_cast<int>(docs[i]["fewshot_rows"].size()));
  }
}

}  // namespace lighteval::tasks::testing
