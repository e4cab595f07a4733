#include "pipeline/evaluate.h"

#include <gtest/gtest.h>

#include "backends/dummy_model.h"
#include "common/test_support.h"
#include "tasks/task_config.h"
#include "util/error.h"

namespace lighteval::pipeline {
namespace {

// Two small tasks over in-memory rows: a multiple-choice one (v0.5's `arc` prompt) and a
// generative one (`gsm8k`), run end to end with the dummy model.
const char* kTaskYaml = R"(
tasks:
  - name: "mini_mc"
    suite: ["custom"]
    prompt_function: "arc"
    hf_repo: "mini/mc"
    hf_subset: "default"
    hf_avail_splits: ["test"]
    evaluation_splits: ["test"]
    metric: ["loglikelihood_acc", "loglikelihood_acc_norm_nospace"]
    version: 3
  - name: "mini_gen"
    suite: ["custom"]
    prompt_function: "gsm8k"
    hf_repo: "mini/gen"
    hf_subset: "main"
    hf_avail_splits: ["test"]
    evaluation_splits: ["test"]
    generation_size: 16
    stop_sequence: ["Question:"]
    metric: ["quasi_exact_match_gsm8k"]
)";

std::vector<Json> mc_rows() {
  const char* keys[] = {"A", "B", "C", "A", "B"};
  std::vector<Json> rows;
  for (int i = 0; i < 5; ++i) {
    Json r = Json::object();
    r["id"] = "q" + std::to_string(i);
    r["question"] = "Question number " + std::to_string(i) + "?";
    r["choices"] = Json::object({{"text", Json::array({"a", "bbbbbbbb", "cc"})},
                                 {"label", Json::array({"A", "B", "C"})}});
    r["answerKey"] = keys[i];
    rows.push_back(r);
  }
  return rows;
}

std::vector<Json> gen_rows() {
  std::vector<Json> rows;
  for (int i = 0; i < 3; ++i)
    rows.push_back(Json::object({{"question", "What is " + std::to_string(i) + "+1?"},
                                 {"answer", "It is " + std::to_string(i + 1) + ".\n#### " + std::to_string(i + 1)}}));
  return rows;
}

tasks::RowLoader loader() {
  return [](const std::string& repo, const std::string&, const std::string& split, const std::optional<std::string>&) {
    if (split != "test") throw Error("no split " + split);
    if (repo == "mini/mc") return mc_rows();
    if (repo == "mini/gen") return gen_rows();
    throw Error("no repo " + repo);
  };
}

tasks::TaskRegistry registry() {
  tasks::TaskRegistry r;
  r.add_task_file(tasks::parse_task_file(kTaskYaml, "test"), false);
  return r;
}

TEST(Evaluate, DummyModelEndToEndMatchesPythonReference) {
  auto reg = registry();
  auto specs = reg.parse_specs("custom|mini_mc|0|0,custom|mini_gen|0|0");
  backends::DummyModel model(backends::DummyModelConfig{});
  PipelineOptions opt;
  opt.output_dir = testing::temp_dir("pipeline_eval");
  opt.load_rows = loader();
  opt.progress = false;
  RunOutput out = run_evaluation(reg, specs, model, opt);

  // Reference (CPython 3): docs order = random.Random(42).shuffle(range(5)) = [3, 1, 2, 4, 0];
  // gsm8k (sorted first: "custom|mini_gen" < "custom|mini_mc") draws no numbers, so the mini_mc
  // loglikelihoods are -random.Random(42).random() in request order, 3 per doc. argmax
  // (first max) vs gold gives acc = [0,0,0,0,1]; dividing by the choice lengths without the
  // leading space (1, 8, 2) gives acc_norm = [0,1,0,1,0].
  const Json& res = out.results["results"];
  ASSERT_TRUE(res.contains("custom|mini_mc|0")) << res.dump();
  EXPECT_DOUBLE_EQ(res["custom|mini_mc|0"]["acc"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(res["custom|mini_mc|0"]["acc_stderr"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(res["custom|mini_mc|0"]["acc_norm"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(res["custom|mini_mc|0"]["acc_norm_stderr"].get<double>(), 0.24494897427831783);
  // "random baseline" never matches a gsm8k answer.
  EXPECT_DOUBLE_EQ(res["custom|mini_gen|0"]["qem"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(res["custom|mini_gen|0"]["qem_stderr"].get<double>(), 0.0);
  // all = mean over the two task entries of each key.
  EXPECT_DOUBLE_EQ(res["all"]["acc"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(res["all"]["qem"].get<double>(), 0.0);

  // The file's sections, in v0.5's order, and what they hold.
  std::vector<std::string> sections;
  for (const auto& [k, _] : out.results.items()) sections.push_back(k);
  EXPECT_EQ(sections, (std::vector<std::string>{"config_general", "results", "versions", "config_tasks", "summary_tasks",
                                                "summary_general"}));
  EXPECT_EQ(out.results["versions"]["custom|mini_mc|0"], 3);
  EXPECT_EQ(out.results["config_general"]["model_name"], "dummy");
  EXPECT_EQ(out.results["config_general"]["model_sha"], "42");
  const Json& cfg = out.results["config_tasks"]["custom|mini_mc"];
  EXPECT_EQ(cfg["original_num_docs"], 5);
  EXPECT_EQ(cfg["effective_num_docs"], 5);
  EXPECT_EQ(cfg["metric"][0]["metric_name"], "acc");
  const Json& sum = out.results["summary_tasks"]["custom|mini_mc|0"];
  EXPECT_EQ(sum["non_padded"], 15);  // one per request, the dummy pads nothing
  EXPECT_EQ(sum["non_truncated"], 5);

  ASSERT_TRUE(std::filesystem::exists(out.results_path));
  EXPECT_EQ(out.results_path.parent_path(), opt.output_dir / "results" / "dummy");
  Json reread = Json::parse(testing::read_file(out.results_path));
  EXPECT_EQ(reread["results"]["custom|mini_mc|0"]["acc"], 0.2);
  EXPECT_NE(out.table.find("|custom:mini_mc:0"), std::string::npos) << out.table;
}

TEST(Evaluate, MaxSamplesKeepsTheFirstShuffledDocs) {
  auto reg = registry();
  auto specs = reg.parse_specs("custom|mini_mc|0|0");
  backends::DummyModel model(backends::DummyModelConfig{});
  PipelineOptions opt;
  opt.output_dir = testing::temp_dir("pipeline_eval_max");
  opt.load_rows = loader();
  opt.progress = false;
  opt.max_samples = 2;
  RunOutput out = run_evaluation(reg, specs, model, opt);
  // Docs 3 and 1 after the shuffle: acc = [0, 0]; acc_norm = [0, 1] (see the reference above).
  EXPECT_DOUBLE_EQ(out.results["results"]["custom|mini_mc|0"]["acc"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(out.results["results"]["custom|mini_mc|0"]["acc_norm"].get<double>(), 0.5);
  EXPECT_EQ(out.results["config_tasks"]["custom|mini_mc"]["effective_num_docs"], 2);
  EXPECT_EQ(out.results["config_general"]["max_samples"], 2);
}

}  // namespace
}  // namespace lighteval::pipeline
