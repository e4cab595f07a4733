// The native engine end to end (issue 5's "Done when"): `lighteval accelerate` on real checkpoints
// from the mock Hub (tests/mockhub over ../shared/assets/hub) - fixtures/stories260K (Llama) and
// hf-internal-testing/tiny-random-gpt2 (GPT-2) - over every task of the Open LLM Leaderboard task
// file with --max_samples 2, then again with HF_HUB_OFFLINE=1 from the cache the first run filled.
// Checked: every task has lighteval v0.5's metric keys with finite values in range, the run's model
// name, dtype and size are reported, and the offline run gives exactly the same numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "common/test_support.h"
#include "leaderboard.h"
#include "mock_hub.h"
#include "util/json.h"

namespace lighteval::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxSamples = 2;

class ModelsLeaderboard : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    LIGHTEVAL_REQUIRE_SHARED();
    mockhub::MockHubOptions o;
    o.root = assets_dir() / "hub";
    hub_ = std::make_unique<mockhub::MockHub>(o);
    hub_->start();
    hf_home_ = temp_dir("e2e_models_hf_home");
  }

  // One thread: the scores do not depend on it, and ctest runs tests side by side on small machines.
  CommandResult run(const fs::path& out, bool offline, const std::string& extra_model_args = "",
                    const std::string& tasks = "examples/tasks/open_llm_leaderboard_tasks.txt",
                    const std::string& extra_flags = "") {
    std::string env = "OMP_NUM_THREADS=1 HF_HOME='" + hf_home_.string() + "' HF_TOKEN= HF_HUB_CACHE= HF_DATASETS_CACHE= ";
    env += offline ? "HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:9 "
                   : "HF_HUB_OFFLINE= HF_ENDPOINT=" + hub_->endpoint() + " ";
    return run_command(env + lighteval_binary().string() + " accelerate --model_args 'pretrained=" + GetParam() +
                       extra_model_args + "' --tasks '" + tasks + "' --output_dir '" + out.string() +
                       "' --max_samples " + std::to_string(kMaxSamples) + extra_flags);
  }

  Json results_of(const fs::path& out) {
    // results/{model name}/results_{date}.json: the model name is the repo id.
    const fs::path dir = out / "results" / GetParam();
    std::vector<fs::path> files;
    if (fs::is_directory(dir))
      for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
    EXPECT_EQ(files.size(), 1u) << dir;
    if (files.empty()) return Json();
    return Json::parse(read_file(files.front()));
  }

  std::unique_ptr<mockhub::MockHub> hub_;
  fs::path hf_home_;
};

void check_results(const Json& r, const std::vector<std::string>& specs, const std::string& model) {
  ASSERT_TRUE(r.is_object());
  const Json& general = r["config_general"];
  EXPECT_EQ(general["model_name"], model);
  EXPECT_EQ(general["model_dtype"], "torch.float32");
  EXPECT_FALSE(general["model_size"].get<std::string>().empty());
  EXPECT_EQ(general["max_samples"], kMaxSamples);

  const Json& results = r["results"];
  for (const auto& spec : specs) {
    const std::string key = results_key(spec);
    ASSERT_TRUE(results.contains(key)) << model << " " << key;
    std::set<std::string> want, got;
    for (const auto& m : expected_metrics(key)) {
      want.insert(m);
      want.insert(m + "_stderr");
    }
    for (const auto& [k, v] : results[key].items()) {
      got.insert(k);
      ASSERT_TRUE(v.is_number()) << model << " " << key << " " << k;
      const double x = v.get<double>();
      EXPECT_TRUE(std::isfinite(x)) << model << " " << key << " " << k;
      EXPECT_TRUE(x >= 0 && x <= 1) << model << " " << key << " " << k << " = " << x;
    }
    EXPECT_EQ(got, want) << model << " " << key;
    EXPECT_EQ(r["config_tasks"][key.substr(0, key.rfind('|'))]["effective_num_docs"], kMaxSamples) << key;
  }
  ASSERT_TRUE(results.contains("all"));
  for (const char* m : {"acc", "acc_norm", "truthfulqa_mc1", "truthfulqa_mc2", "qem"})
    EXPECT_TRUE(results["all"].contains(m)) << model << " " << m;
  EXPECT_TRUE(results.contains("leaderboard|mmlu:_average|5"));
  // The model really ran: with a tokenizer, the few-shot contexts were counted and some were
  // truncated or not (the counters exist and are numbers).
  for (const auto& spec : specs) {
    const Json& s = r["summary_tasks"][results_key(spec)];
    EXPECT_TRUE(s["non_truncated"].is_number()) << spec;
    EXPECT_TRUE(s["truncated"].is_number()) << spec;
  }
}

TEST_P(ModelsLeaderboard, EveryTaskFromTheHubThenOffline) {
  const auto specs = leaderboard_specs();
  ASSERT_EQ(specs.size(), 62u);

  const fs::path out1 = temp_dir("e2e_models_online");
  const CommandResult r1 = run(out1, false);
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_GT(hub_->request_count(), 0u);
  const Json res1 = results_of(out1);
  check_results(res1, specs, GetParam());

  hub_->stop();
  const fs::path out2 = temp_dir("e2e_models_offline");
  const CommandResult r2 = run(out2, true);
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const Json res2 = results_of(out2);
  check_results(res2, specs, GetParam());
  // Same weights, data and engine: the same numbers, bit for bit, and the same hashes.
  EXPECT_EQ(res2["results"], res1["results"]);
  EXPECT_EQ(res2["summary_tasks"], res1["summary_tasks"]);
  EXPECT_EQ(res2["config_general"]["model_sha"], res1["config_general"]["model_sha"]);
  EXPECT_EQ(r2.out, r1.out);

  // revision=: the commit the first run recorded resolves from the cache; an unknown one is one
  // clear error line.
  const std::string sha = res1["config_general"]["model_sha"].get<std::string>();
  ASSERT_EQ(sha.size(), 40u) << sha;
  const std::string one_task = "leaderboard|winogrande|5|0";
  const fs::path out3 = temp_dir("e2e_models_revision");
  const CommandResult r3 = run(out3, true, ",revision=" + sha, one_task);
  ASSERT_EQ(r3.exit_code, 0) << r3.err;
  EXPECT_EQ(results_of(out3)["results"]["leaderboard|winogrande|5"], res1["results"]["leaderboard|winogrande|5"]);
  const CommandResult r4 = run(temp_dir("e2e_models_bad_revision"), true, ",revision=no-such-branch", one_task);
  EXPECT_NE(r4.exit_code, 0);
  EXPECT_NE(r4.err.find("no-such-branch"), std::string::npos) << r4.err;
  EXPECT_EQ(std::count(r4.err.begin(), r4.err.end(), '\n'), 1) << r4.err;

  // --override_batch_size 1 (one sequence per forward, no prefix sharing across choices) scores
  // the multiple-choice tasks the same.
  const std::string mc = "leaderboard|arc:challenge|25|0,leaderboard|truthfulqa:mc|0|0";
  const fs::path out5 = temp_dir("e2e_models_bs1");
  const CommandResult r5 = run(out5, true, "", mc, " --override_batch_size 1");
  ASSERT_EQ(r5.exit_code, 0) << r5.err;
  const Json res5 = results_of(out5);
  for (const char* key : {"leaderboard|arc:challenge|25", "leaderboard|truthfulqa:mc|0"})
    for (const auto& [metric, value] : res1["results"][key].items())
      EXPECT_NEAR(res5["results"][key][metric].get<double>(), value.get<double>(), 1e-6) << key << " " << metric;
  EXPECT_EQ(res5["config_general"]["override_batch_size"], 1);
}

INSTANTIATE_TEST_SUITE_P(Models, ModelsLeaderboard,
                         ::testing::Values("fixtures/stories260K", "hf-internal-testing/tiny-random-gpt2"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.find("gpt2") != std::string::npos ? std::string("TinyRandomGpt2")
                                                                                 : std::string("Stories260K");
                         });

}  // namespace
}  // namespace lighteval::testing
