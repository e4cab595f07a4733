// The whole evaluation path as a user runs it (issue 3's "Done when"): `lighteval accelerate
// --model_args dummy` over the Open LLM Leaderboard task file, the datasets coming from the mock
// Hub (tests/mockhub over ../shared/assets/hub), then again offline from the cache the first run
// filled. Checked: the results file has lighteval v0.5's sections and, for every task, v0.5's
// metric keys; the details parquet of every task reads back with our reader and has the §7.3
// columns; the full prompts equal the CPython reference (tests/fixtures/tasks/prompt_reference.json,
// made by scripts/fixtures/tasks_prompt_reference.py); the Markdown table is on stdout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "common/test_support.h"
#include "leaderboard.h"
#include "formats/rows.h"
#include "mock_hub.h"
#include "util/json.h"

namespace lighteval::testing {
namespace {

namespace fs = std::filesystem;
using testing::read_json;

constexpr size_t kMaxSamples = 2;


fs::path only_file_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  EXPECT_EQ(files.size(), 1u) << dir;
  return files.empty() ? fs::path() : files.front();
}

std::vector<Json> read_parquet(const fs::path& p, std::vector<std::string>* columns) {
  auto reader = formats::open_parquet(p);
  if (columns) *columns = reader->column_names();
  std::vector<Json> rows;
  Json row;
  while (reader->next(row)) rows.push_back(row);
  return rows;
}

class PipelineLeaderboard : public ::testing::Test {
 protected:
  void SetUp() override {
    LIGHTEVAL_REQUIRE_SHARED();
    mockhub::MockHubOptions o;
    o.root = assets_dir() / "hub";
    hub_ = std::make_unique<mockhub::MockHub>(o);
    hub_->start();
    hf_home_ = temp_dir("e2e_hf_home");
  }

  // Runs lighteval with the mock Hub's endpoint (or a dead one when offline) and a private HF_HOME.
  CommandResult run(const std::string& args, bool offline) {
    std::string env = "HF_HOME='" + hf_home_.string() + "' HF_TOKEN= HF_HUB_CACHE= HF_DATASETS_CACHE= ";
    env += offline ? "HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:9 " : "HF_HUB_OFFLINE= HF_ENDPOINT=" + hub_->endpoint() + " ";
    return run_command(env + lighteval_binary().string() + " " + args);
  }

  CommandResult run_leaderboard(const fs::path& out, bool offline, const std::string& extra = "") {
    return run("accelerate --model_args dummy --tasks examples/tasks/open_llm_leaderboard_tasks.txt --output_dir '" +
                   out.string() + "' --save_details --max_samples " + std::to_string(kMaxSamples) + extra,
               offline);
  }

  std::unique_ptr<mockhub::MockHub> hub_;
  fs::path hf_home_;
};

// Everything one run wrote, read back.
struct RunFiles {
  Json results;
  std::map<std::string, std::vector<Json>> details;  // results key -> rows
  std::map<std::string, std::vector<std::string>> columns;
};

RunFiles read_run(const fs::path& out, const std::vector<std::string>& specs) {
  RunFiles f;
  const fs::path results_file = only_file_in(out / "results" / "dummy");
  EXPECT_EQ(results_file.filename().string().rfind("results_", 0), 0u) << results_file;
  EXPECT_EQ(results_file.extension(), ".json");
  f.results = read_json(results_file);
  // details/dummy/{date}/details_{suite|task|k}_{date}.parquet, the date the results file's.
  const std::string date = results_file.stem().string().substr(std::string("results_").size());
  const fs::path details_dir = out / "details" / "dummy" / date;
  EXPECT_TRUE(fs::is_directory(details_dir)) << details_dir;
  for (const auto& spec : specs) {
    const std::string key = results_key(spec);
    const fs::path p = details_dir / ("details_" + key + "_" + date + ".parquet");
    if (!fs::exists(p)) {
      ADD_FAILURE() << "no details file " << p;
      continue;
    }
    f.details[key] = read_parquet(p, &f.columns[key]);
  }
  return f;
}

void check_results_file(const Json& r, const std::vector<std::string>& specs) {
  const std::vector<std::string> sections{"config_general", "results",       "versions",
                                          "config_tasks",   "summary_tasks", "summary_general"};
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.items()) keys.push_back(k);
  EXPECT_EQ(keys, sections);

  const Json& general = r["config_general"];
  for (const char* k : {"lighteval_sha", "num_fewshot_seeds", "override_batch_size", "max_samples", "job_id",
                        "start_time", "end_time", "total_evaluation_time_secondes", "model_name", "model_sha",
                        "model_dtype", "model_size"})
    EXPECT_TRUE(general.contains(k)) << k;
  EXPECT_EQ(general["model_name"], "dummy");
  EXPECT_EQ(general["max_samples"], static_cast<int>(kMaxSamples));
  EXPECT_EQ(general["num_fewshot_seeds"], 1);

  const Json& results = r["results"];
  for (const auto& spec : specs) {
    const std::string key = results_key(spec);
    ASSERT_TRUE(results.contains(key)) << key;
    std::set<std::string> want;
    for (const auto& m : expected_metrics(key)) {
      want.insert(m);
      want.insert(m + "_stderr");
    }
    std::set<std::string> got;
    for (const auto& [k, v] : results[key].items()) {
      got.insert(k);
      EXPECT_TRUE(v.is_number() && std::isfinite(v.get<double>())) << key << " " << k;
      if (k.find("_stderr") == std::string::npos) EXPECT_TRUE(v.get<double>() >= 0 && v.get<double>() <= 1) << key << k;
    }
    EXPECT_EQ(got, want) << key;
    EXPECT_EQ(r["versions"][key], 0) << key;

    const Json& summary = r["summary_tasks"][key];
    for (const char* k : {"truncated", "non_truncated", "padded", "non_padded", "effective_few_shots",
                          "num_truncated_few_shots"})
      EXPECT_TRUE(summary.contains(k)) << key << " " << k;
    for (const char* h : {"hash_examples", "hash_full_prompts", "hash_input_tokens", "hash_cont_tokens"})
      EXPECT_EQ(summary["hashes"][h].get<std::string>().size(), 16u) << key << " " << h;
    // k as asked: the dummy model has no tokenizer, so no shot is ever dropped.
    const int k = std::stoi(key.substr(key.rfind('|') + 1));
    EXPECT_DOUBLE_EQ(summary["effective_few_shots"].get<double>(), k) << key;

    const Json& cfg = r["config_tasks"][task_key(spec)];
    for (const char* f : {"name", "prompt_function", "hf_repo", "hf_subset", "metric", "hf_revision", "hf_filter",
                          "hf_avail_splits", "trust_dataset", "evaluation_splits", "few_shots_split",
                          "few_shots_select", "generation_size", "generation_grammar", "stop_sequence", "output_regex",
                          "num_samples", "suite", "original_num_docs", "effective_num_docs",
                          "must_remove_duplicate_docs", "version", "frozen"})
      EXPECT_TRUE(cfg.contains(f)) << task_key(spec) << " " << f;
    EXPECT_EQ(cfg["effective_num_docs"], static_cast<int>(kMaxSamples)) << key;
  }
  // The MMLU macro average and `all` (research/lighteval.md §5.6).
  ASSERT_TRUE(results.contains("leaderboard|mmlu:_average|5"));
  EXPECT_TRUE(results["leaderboard|mmlu:_average|5"].contains("acc_stderr"));
  ASSERT_TRUE(results.contains("all"));
  for (const char* m : {"acc", "acc_norm", "truthfulqa_mc1", "truthfulqa_mc2", "qem"})
    EXPECT_TRUE(results["all"].contains(m)) << m;
  EXPECT_EQ(results.size(), specs.size() + 2);
  EXPECT_EQ(r["config_tasks"].size(), specs.size());
  for (const char* k : {"hashes", "truncated", "non_truncated", "padded", "non_padded", "num_truncated_few_shots"})
    EXPECT_TRUE(r["summary_general"].contains(k)) << k;
}

void check_details(const RunFiles& f, const std::vector<std::string>& specs) {
  // v0.5's columns, sorted by name, every value str()-cast (research/lighteval.md §7.3).
  const std::vector<std::string> columns{"choices",   "cont_tokens",  "example",         "full_prompt",
                                         "gold",      "gold_index",   "input_tokens",    "instruction",
                                         "metrics",   "num_asked_few_shots", "num_effective_few_shots",
                                         "padded",    "pred_logits",  "predictions",     "specifics",
                                         "truncated"};
  for (const auto& spec : specs) {
    const std::string key = results_key(spec);
    auto it = f.details.find(key);
    if (it == f.details.end()) continue;
    EXPECT_EQ(f.columns.at(key), columns) << key;
    ASSERT_EQ(it->second.size(), kMaxSamples) << key;
    for (const Json& row : it->second) {
      for (const auto& c : columns) EXPECT_TRUE(row[c].is_string()) << key << " " << c;
      const std::string k = key.substr(key.rfind('|') + 1);
      EXPECT_EQ(row["num_asked_few_shots"], k) << key;
      EXPECT_FALSE(row["full_prompt"].get<std::string>().empty()) << key;
      // The metrics column is the str() of the sample's metric dict.
      for (const auto& m : expected_metrics(key))
        EXPECT_NE(row["metrics"].get<std::string>().find("'" + m + "'"), std::string::npos) << key << " " << m;
    }
  }
}

// The full prompts of the first docs equal CPython's (lighteval v0.5's rules run by
// scripts/fixtures/tasks_prompt_reference.py on the same rows): doc order after Random(42).shuffle,
// the few-shot draws, and the assembled text.
void check_prompts_against_reference(const RunFiles& f) {
  const Json ref = read_json(fixtures_dir() / "tasks" / "prompt_reference.json");
  size_t compared = 0;
  for (const auto& c : ref["cases"]) {
    const std::string name = c["name"];
    auto it = f.details.find(name);
    if (it == f.details.end()) continue;
    for (size_t i = 0; i < kMaxSamples && i < c["docs"].size(); ++i) {
      EXPECT_EQ(it->second[i]["full_prompt"].get<std::string>(), c["docs"][i]["ctx"].get<std::string>())
          << name << " doc " << i;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3 * kMaxSamples);  // arc:challenge|25, gsm8k|5, truthfulqa:mc|0
}

// A table row whose first cell is exactly `task` (cells are padded with spaces to the widest).
bool has_row(const std::string& table, const std::string& task) {
  const std::string start = "\n|" + task;
  for (size_t at = table.find(start); at != std::string::npos; at = table.find(start, at + 1)) {
    const char next = table[at + start.size()];
    if (next == ' ' || next == '|') return true;
  }
  return false;
}

void check_table(const std::string& out, const std::vector<std::string>& specs) {
  std::string squeezed;
  for (char ch : out.substr(0, out.find('\n')))
    if (ch != ' ') squeezed += ch;
  EXPECT_EQ(squeezed, "|Task|Version|Metric|Value||Stderr|");
  for (const auto& spec : specs) {
    std::string row = results_key(spec);
    std::replace(row.begin(), row.end(), '|', ':');
    EXPECT_TRUE(has_row(out, row)) << row;
  }
  EXPECT_TRUE(has_row(out, "all"));
  EXPECT_TRUE(has_row(out, "leaderboard:mmlu:_average:5"));
}

TEST_F(PipelineLeaderboard, DummyModelOverTheLeaderboardFromTheHubThenOffline) {
  const auto specs = leaderboard_specs();
  ASSERT_EQ(specs.size(), 62u);  // arc, hellaswag, truthfulqa, 57 mmlu, winogrande, gsm8k

  const fs::path out1 = temp_dir("e2e_online");
  CommandResult r1 = run_leaderboard(out1, false);
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_GT(hub_->request_count(), 0u);
  RunFiles f1 = read_run(out1, specs);
  check_results_file(f1.results, specs);
  check_details(f1, specs);
  check_prompts_against_reference(f1);
  check_table(r1.out, specs);

  // Offline, from the cache the first run filled: the Hub is gone and the endpoint is dead. The
  // datasets are read by 4 threads this time (v0.5's --dataset_loading_processes): same results.
  hub_->stop();
  const fs::path out2 = temp_dir("e2e_offline");
  CommandResult r2 = run_leaderboard(out2, true, " --dataset_loading_processes 4");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  RunFiles f2 = read_run(out2, specs);
  check_results_file(f2.results, specs);
  check_details(f2, specs);
  // The same data and the same deterministic model: the same numbers, prompts and table.
  EXPECT_EQ(f2.results["results"], f1.results["results"]);
  EXPECT_EQ(f2.results["summary_tasks"], f1.results["summary_tasks"]);
  for (const auto& [key, rows] : f1.details)
    for (size_t i = 0; i < rows.size() && i < f2.details[key].size(); ++i)
      EXPECT_EQ(f2.details[key][i]["full_prompt"], rows[i]["full_prompt"]) << key;
  EXPECT_EQ(r2.out, r1.out);
}

TEST_F(PipelineLeaderboard, OfflineWithAnEmptyCacheIsOneClearError) {
  const fs::path out = temp_dir("e2e_empty_cache");
  CommandResult r = run("accelerate --model_args dummy --tasks 'leaderboard|truthfulqa:mc|0|0' --output_dir '" +
                            out.string() + "'",
                        true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("HF_HUB_OFFLINE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truthful_qa"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out / "results"));
}

}  // namespace
}  // namespace lighteval::testing
