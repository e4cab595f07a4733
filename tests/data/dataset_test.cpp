// Dataset rows from local directories and files, from the mock Hub (parquet export and main
// branch), and offline from a cache laid out as Python's huggingface_hub lays it out. Rows are
// compared with the raw source files the assets were built from (../shared/assets/raw).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "common/test_support.h"
#include "data/dataset.h"
#include "hub/hub_errors.h"
#include "mock_hub.h"
#include "util/error.h"

namespace fs = std::filesystem;
namespace lt = lighteval::testing;
using lighteval::Json;
using lighteval::mockhub::MockHub;
using lighteval::mockhub::MockHubOptions;

namespace {

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const lighteval::Error& e) {
    return e.what();
  }
  return "no error";
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// truthful_qa's raw source: a list of {question, mc1_targets: {choice: label}, mc2_targets}.
void expect_truthfulqa_row(const Json& row, const Json& raw) {
  EXPECT_EQ(row["question"], raw["question"]);
  for (const char* t : {"mc1_targets", "mc2_targets"}) {
    std::vector<std::string> choices;
    std::vector<int> labels;
    for (const auto& [k, v] : raw[t].items()) {
      choices.push_back(k);
      labels.push_back(v.get<int>());
    }
    EXPECT_EQ(row[t]["choices"].get<std::vector<std::string>>(), choices) << t;
    EXPECT_EQ(row[t]["labels"].get<std::vector<int>>(), labels) << t;
  }
}

Json raw_truthfulqa() {
  std::ifstream in(lt::assets_dir() / "raw/truthfulqa/mc_task.json");
  return Json::parse(in);
}

// Points the Hub client (HubConfig::from_env) at `endpoint` with a fresh cache.
struct HubEnv {
  std::vector<std::string> names{"HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                                 "HF_HOME", "LIGHTEVAL_HUB_RETRIES", "LIGHTEVAL_HUB_RETRY_BASE_MS", "TRANSFORMERS_OFFLINE"};
  std::map<std::string, std::optional<std::string>> saved;
  fs::path cache;
  HubEnv(const std::string& endpoint, fs::path cache_dir) : cache(std::move(cache_dir)) {
    for (auto& n : names) {
      const char* v = getenv(n.c_str());
      saved[n] = v ? std::optional<std::string>(v) : std::nullopt;
      unsetenv(n.c_str());
    }
    setenv("HF_ENDPOINT", endpoint.c_str(), 1);
    setenv("HF_HUB_CACHE", cache.c_str(), 1);
    setenv("HF_HOME", (cache / "home").c_str(), 1);  // no stored token file
    setenv("LIGHTEVAL_HUB_RETRIES", "1", 1);
    setenv("LIGHTEVAL_HUB_RETRY_BASE_MS", "1", 1);
  }
  ~HubEnv() {
    for (auto& [n, v] : saved) v ? (void)setenv(n.c_str(), v->c_str(), 1) : (void)unsetenv(n.c_str());
  }
};

}  // namespace

TEST(Dataset, LocalExportLayoutMatchesRawTruthfulQA) {
  LIGHTEVAL_REQUIRE_SHARED();
  auto rows = lighteval::data::load_split((lt::assets_dir() / "hub/datasets/truthful_qa").string(), "multiple_choice",
                                          "validation");
  Json raw = raw_truthfulqa();
  ASSERT_EQ(rows.size(), raw.size());
  ASSERT_EQ(rows.size(), 817u);
  for (size_t i = 0; i < rows.size(); ++i) expect_truthfulqa_row(rows[i], raw[i]);
  // Keys in schema order.
  std::vector<std::string> keys;
  for (const auto& [k, v] : rows[0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"question", "mc1_targets", "mc2_targets"}));
}

TEST(Dataset, LocalGsm8kMatchesRawJsonl) {
  LIGHTEVAL_REQUIRE_SHARED();
  const std::string dir = (lt::assets_dir() / "hub/datasets/gsm8k").string();
  EXPECT_EQ(lighteval::data::list_subsets(dir), std::vector<std::string>{"main"});
  EXPECT_EQ(lighteval::data::list_splits(dir, ""), (std::vector<std::string>{"train", "test"}));
  auto rows = lighteval::data::load_split(dir, "main", "test");
  std::ifstream in(lt::assets_dir() / "raw/gsm8k/test.jsonl");
  std::string line;
  size_t i = 0;
  while (std::getline(in, line)) {
    Json raw = Json::parse(line);
    ASSERT_LT(i, rows.size());
    EXPECT_EQ(rows[i]["question"], raw["question"]);
    EXPECT_EQ(rows[i]["answer"], raw["answer"]);
    ++i;
  }
  EXPECT_EQ(i, rows.size());
  EXPECT_EQ(i, 1319u);
  // Streaming stops when asked.
  size_t seen = 0;
  lighteval::data::for_each_row(dir, "main", "train", [&](const Json&) { return ++seen < 3; });
  EXPECT_EQ(seen, 3u);
}

TEST(Dataset, LocalMainLayoutFilesAndErrors) {
  fs::path dir = lt::temp_dir("ds-main");
  write(dir / "README.md", "---\nconfigs:\n- config_name: qa\n  data_files:\n  - split: test\n    path: qa/test*.jsonl\n---\n");
  write(dir / "qa/test-a.jsonl", "{\"q\": \"one\", \"a\": 1}\n{\"q\": \"two\", \"a\": 2}\n");
  write(dir / "qa/test-b.jsonl", "{\"q\": \"three\", \"a\": 3}\n");
  auto rows = lighteval::data::load_split(dir.string(), "", "test");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].dump(), R"({"q":"three","a":3})");

  fs::path plain = lt::temp_dir("ds-plain");
  write(plain / "train.csv", "text,label\n\"a, quoted\",x\nb,y\n");
  write(plain / "validation.csv", "text,label\nc,z\n");
  EXPECT_EQ(lighteval::data::list_splits(plain.string(), ""), (std::vector<std::string>{"train", "validation"}));
  rows = lighteval::data::load_split(plain.string(), "default", "train");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dump(), R"({"text":"a, quoted","label":"x"})");
  // A single file serves the split asked for.
  rows = lighteval::data::load_split((plain / "validation.csv").string(), "", "validation");
  ASSERT_EQ(rows.size(), 1u);

  std::string m = message_of([&] { lighteval::data::load_split(plain.string(), "other", "train"); });
  EXPECT_NE(m.find("subset 'other' not found"), std::string::npos) << m;
  EXPECT_NE(m.find("available subsets: default"), std::string::npos) << m;
  m = message_of([&] { lighteval::data::load_split(plain.string(), "", "test"); });
  EXPECT_NE(m.find("available splits: train, validation"), std::string::npos) << m;
  m = message_of([&] { lighteval::data::load_split("./no/such/dir", "", "test"); });
  EXPECT_NE(m.find("does not exist"), std::string::npos) << m;
  write(plain / "broken/train.parquet", "PAR1 this is not parquet");
  m = message_of([&] { lighteval::data::load_split((plain / "broken").string(), "", "train"); });
  EXPECT_NE(m.find("train.parquet"), std::string::npos) << m;
}

TEST(Dataset, FromMockHubParquetExportThenNoNetwork) {
  LIGHTEVAL_REQUIRE_SHARED();
  MockHubOptions o;
  o.root = lt::assets_dir() / "hub";
  MockHub hub(o);
  hub.start();
  HubEnv env(hub.endpoint(), lt::temp_dir("ds-cache"));
  auto rows = lighteval::data::load_split("truthful_qa", "multiple_choice", "validation");
  Json raw = raw_truthfulqa();
  ASSERT_EQ(rows.size(), 817u);
  expect_truthfulqa_row(rows[0], raw[0]);
  expect_truthfulqa_row(rows[816], raw[816]);
  EXPECT_GT(hub.request_count(), 0u);
  hub.reset_requests();
  rows = lighteval::data::load_split("truthful_qa", "multiple_choice", "validation");
  EXPECT_EQ(rows.size(), 817u);
  EXPECT_EQ(hub.request_count(), 0u);

  // Errors name what exists.
  std::string m = message_of([&] { lighteval::data::load_split("truthful_qa", "generation", "validation"); });
  EXPECT_NE(m.find("available subsets: multiple_choice"), std::string::npos) << m;
  m = message_of([&] { lighteval::data::load_split("lighteval/mmlu", "abstract_algebra", "train"); });
  EXPECT_NE(m.find("available splits: validation, test, dev"), std::string::npos) << m;
  m = message_of([&] { lighteval::data::load_split("nobody/nothing", "", "test"); });
  EXPECT_NE(m.find("dataset repo 'nobody/nothing' not found"), std::string::npos) << m;
}

TEST(Dataset, FromMockHubMainBranchWhenThereIsNoExport) {
  LIGHTEVAL_REQUIRE_SHARED();
  fs::path mains = lt::temp_dir("ds-mains");
  write(mains / "org/plain/README.md",
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: test\n    path: data/test.jsonl\n---\n");
  write(mains / "org/plain/data/test.jsonl", "{\"x\": \"a\"}\n{\"x\": \"b\"}\n");
  MockHubOptions o;
  o.root = lt::assets_dir() / "hub";
  o.dataset_main_root = mains;
  MockHub hub(o);
  hub.start();
  HubEnv env(hub.endpoint(), lt::temp_dir("ds-cache"));
  auto rows = lighteval::data::load_split("org/plain", "", "test");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["x"], "b");
  // An explicit revision is used as is.
  EXPECT_EQ(lighteval::data::load_split("org/plain", "default", "test", "main").size(), 2u);
  std::string m = message_of([&] { lighteval::data::load_split("org/plain", "", "test", "v9"); });
  EXPECT_NE(m.find("revision 'v9' not found"), std::string::npos) << m;
}

TEST(Dataset, CliShowsRowsOfAPythonLaidOutCacheOffline) {
  LIGHTEVAL_REQUIRE_SHARED();
  ASSERT_TRUE(fs::exists(lt::lighteval_binary())) << lt::lighteval_binary();
  // The cache as huggingface_hub writes it: refs/main and refs/refs/convert/parquet hold commits,
  // the snapshot entry is a relative symlink to a blob named by the file's sha256.
  fs::path cache = lt::temp_dir("py-cache");
  fs::path repo = cache / "datasets--truthful_qa";
  const std::string main_commit = "1111111111111111111111111111111111111111";
  const std::string pq_commit = "2222222222222222222222222222222222222222";
  write(repo / "refs/main", main_commit);
  write(repo / "refs/refs/convert/parquet", pq_commit);
  const fs::path src = lt::assets_dir() / "hub/datasets/truthful_qa/multiple_choice/validation/0000.parquet";
  std::string blob_name;
  {
    std::ifstream sums(lt::assets_dir() / "SHA256SUMS");
    std::string sum, path;
    while (sums >> sum >> path)
      if (path.find("hub/datasets/truthful_qa/multiple_choice/validation/0000.parquet") != std::string::npos)
        blob_name = sum;
  }
  ASSERT_EQ(blob_name.size(), 64u);
  fs::create_directories(repo / "blobs");
  fs::copy_file(src, repo / "blobs" / blob_name);
  fs::path snap = repo / "snapshots" / pq_commit / "multiple_choice/validation";
  fs::create_directories(snap);
  fs::create_symlink(fs::path("../../../../blobs") / blob_name, snap / "0000.parquet");

  // The snapshot folder itself is a local directory in the export layout (its files are symlinks).
  EXPECT_EQ(lighteval::data::load_split((repo / "snapshots" / pq_commit).string(), "multiple_choice", "validation").size(),
            817u);

  std::string cmd = "env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:1 "
                    "HF_HOME='" + (cache / "home").string() + "' HF_HUB_CACHE='" + cache.string() + "' '" +
                    lt::lighteval_binary().string() +
                    "' dataset show truthful_qa --subset multiple_choice --split validation --rows 2";
  auto r = lt::run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  Json raw = raw_truthfulqa();
  size_t n = 0;
  while (std::getline(out, line)) {
    Json row = Json::parse(line);
    ASSERT_LT(n, 2u);
    expect_truthfulqa_row(row, raw[n]);
    ++n;
  }
  EXPECT_EQ(n, 2u);

  // Not cached and offline: one line, non-zero exit.
  r = lt::run_command("env -u HF_TOKEN HF_HUB_OFFLINE=1 HF_HUB_CACHE='" + cache.string() + "' '" +
                      lt::lighteval_binary().string() + "' dataset show gsm8k --subset main --split test");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("HF_HUB_OFFLINE"), std::string::npos) << r.err;
  // No network: one line, non-zero exit.
  r = lt::run_command("env -u HF_TOKEN -u HF_HUB_OFFLINE LIGHTEVAL_HUB_RETRIES=0 HF_ENDPOINT=http://127.0.0.1:1 "
                      "HF_HUB_CACHE='" + cache.string() + "' '" + lt::lighteval_binary().string() +
                      "' dataset show gsm8k --subset main --split test");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("cannot reach the Hub"), std::string::npos) << r.err;
  // Usage errors.
  r = lt::run_command("'" + lt::lighteval_binary().string() + "' dataset show");
  EXPECT_EQ(r.exit_code, 2);
  r = lt::run_command("'" + lt::lighteval_binary().string() + "' dataset --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("show"), std::string::npos);
}
