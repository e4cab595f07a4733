// The evaluation commands as a user runs them: every bad input is one line on stderr and a
// non-zero exit code (2 for usage errors and paths not built yet).
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "util/json.h"

namespace lighteval::testing {
namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }

CommandResult lighteval(const std::string& args) { return run_command(lighteval_binary().string() + " " + args); }

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

void expect_one_line_error(const CommandResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;  // no stub ever prints a result
}

const std::string kArc = quote("leaderboard|arc:challenge|25|0");

TEST(EvalCli, HelpOnEverySubcommand) {
  for (const char* cmd : {"accelerate", "vllm", "nanotron", "tasks"}) {
    auto r = lighteval(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("--"), std::string::npos) << cmd;
  }
  auto r = lighteval("accelerate --help");
  for (const char* flag : {"--model_args", "--model_config_path", "--tasks", "--output_dir", "--max_samples",
                           "--override_batch_size", "--job_id", "--save_details", "--push_to_hub", "--push_to_tensorboard",
                           "--public_run", "--results_org", "--use_chat_template", "--system_prompt",
                           "--dataset_loading_processes", "--custom_tasks", "--cache_dir", "--num_fewshot_seeds",
                           "--output-dir", "--model-args"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

TEST(EvalCli, BadTaskStrings) {
  auto dir = temp_dir("cli_tasks");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " +
                                  quote("leaderboard|arc:challenge|25")),
                        2, "expected 4");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " +
                                  quote("leaderboard|arc:challeng|25|0")),
                        2, "did you mean leaderboard|arc:challenge");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " +
                                  quote("leaderboard|arc:challenge|x|0")),
                        2, "leaderboard|arc:challenge|x|0");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " +
                                  quote("nosuite|arc:challenge|25|0")),
                        2, "nosuite");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " +
                                  quote("leaderboard|arc:challenge|25|3")),
                        2, "leaderboard|arc:challenge|25|3");
}

TEST(EvalCli, BadTaskFile) {
  auto dir = temp_dir("cli_taskfile");
  auto file = dir / "tasks.txt";
  std::ofstream(file) << "# leaderboard\nleaderboard|arc:challenge|25|0\n\nleaderboard|gsm8k|five|0\n";
  expect_one_line_error(
      lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + file.string()), 2,
      "leaderboard|gsm8k|five|0");
  expect_one_line_error(
      lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + (dir / "none.txt").string()),
      2, "none.txt");
}

TEST(EvalCli, BadCustomTaskFiles) {
  auto dir = temp_dir("cli_custom");
  auto missing = dir / "missing.yaml";
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --custom_tasks " + missing.string()),
                        2, "missing.yaml");
  auto syntax = dir / "syntax.yaml";
  std::ofstream(syntax) << "tasks:\n  - name: [unclosed\n";
  auto r = lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                     " --custom_tasks " + syntax.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("syntax.yaml"), std::string::npos) << r.err;
  auto unknown = dir / "unknown.yaml";
  std::ofstream(unknown) << "tasks:\n  - name: mine\n    prompt_function: arc\n    hf_repo: x\n    hf_subset: y\n"
                            "    metric: [loglikelihood_acc]\n    colour: blue\n";
  r = lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + quote("custom|mine|0|0") +
                " --custom_tasks " + unknown.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("colour"), std::string::npos) << r.err;
  auto bad_metric = dir / "metric.yaml";
  std::ofstream(bad_metric) << "tasks:\n  - name: mine\n    prompt_function: arc\n    hf_repo: x\n    hf_subset: y\n"
                               "    metric: [loglikelihood_accuracy]\n";
  r = lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + quote("custom|mine|0|0") +
                " --custom_tasks " + bad_metric.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("loglikelihood_accuracy"), std::string::npos) << r.err;
}

TEST(EvalCli, BadModelArgs) {
  auto dir = temp_dir("cli_margs");
  std::string base = "accelerate --output_dir " + dir.string() + " --tasks " + kArc + " --model_args ";
  expect_one_line_error(lighteval(base + quote("pretrained=gpt2,temperature=0.2")), 2,
                        "unknown key 'temperature' for the accelerate (transformers-style) backend; valid keys: ");
  expect_one_line_error(lighteval(base + quote("pretrained=gpt2,max_length=-3")), 2,
                        "max_length=-3 is not valid; max_length must be a positive integer");
  expect_one_line_error(lighteval(base + quote("pretrained=gpt2,dtype=int8")), 2,
                        "dtype must be one of auto, float32, float16, bfloat16");
  expect_one_line_error(lighteval(base + quote("pretrained=gpt2,add_special_tokens=nope")), 2, "True or False");
  expect_one_line_error(lighteval(base + quote("dummy,seed=1,pretrained=gpt2")), 2, "valid keys: dummy, seed");
  expect_one_line_error(lighteval(base + quote("revision=main")), 2, "needs pretrained=");
  expect_one_line_error(lighteval(base + quote("vllm,pretrained=gpt2,gpu_memory_utilisation=2")), 2, "(0, 1]");
  // vllm entry point: its own key list; parallel set-ups are not built yet.
  expect_one_line_error(lighteval("vllm --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --model_args " + quote("pretrained=gpt2,tensor_parallel_size=2")),
                        2, "tensor_parallel_size > 1 is not built yet");
  expect_one_line_error(lighteval(base + quote("pretrained=gpt2,model_parallel=True")), 2, "not built yet");
}

TEST(EvalCli, FlagChecks) {
  auto dir = temp_dir("cli_flags");
  expect_one_line_error(lighteval("accelerate --model_args dummy --tasks " + kArc), 2, "--output_dir is required");
  expect_one_line_error(lighteval("accelerate --output_dir " + dir.string() + " --tasks " + kArc), 2, "--model_args");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string()), 2, "--tasks is required");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir s3://bucket/evals --tasks " + kArc), 2,
                        "remote locations are not supported");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --push_to_hub"),
                        2, "--results_org");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --push_to_hub --results_org me"),
                        2, "--push_to_hub (uploading results to the Hub) is not built yet");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --max_samples 0"),
                        2, "--max_samples");
  expect_one_line_error(lighteval("accelerate --model_args dummy --output_dir " + dir.string() + " --tasks " + kArc +
                                  " --frobnicate"),
                        2, "--frobnicate");
  auto yaml = dir / "model.yaml";
  std::ofstream(yaml) << "model:\n  type: tgi\n  instance: {inference_server_address: x}\n";
  expect_one_line_error(lighteval("accelerate --model_config_path " + yaml.string() + " --output_dir " + dir.string() +
                                  " --tasks " + kArc),
                        2, "not built yet");
  expect_one_line_error(lighteval("accelerate --model_args dummy --model_config_path " + yaml.string() +
                                  " --output_dir " + dir.string() + " --tasks " + kArc),
                        2, "mutually exclusive");
}

TEST(EvalCli, NanotronIsNotBuiltYet) {
  auto dir = temp_dir("cli_nanotron");
  std::ofstream(dir / "config.yaml") << "general: {}\n";
  std::ofstream(dir / "lighteval.yaml") << "tasks: {}\n";
  expect_one_line_error(lighteval("nanotron --checkpoint_config_path " + (dir / "config.yaml").string() +
                                  " --lighteval_config_path " + (dir / "lighteval.yaml").string()),
                        2, "evaluating nanotron checkpoints is not built yet");
  expect_one_line_error(lighteval("nanotron --checkpoint_config_path " + (dir / "lighteval.json").string() +
                                  " --lighteval_config_path x.yaml"),
                        2, "must be a .yaml file");
}

// A custom task as a user writes one: Jinja templates over the columns of a local JSON Lines
// dataset, few-shot examples from its train split, a named group (TASKS_GROUPS) run through the
// later spellings (positional MODEL_ARGS and TASKS, kebab-case flags). The expected prompt follows
// v0.5's rules; the doc order is CPython's random.Random(42).shuffle([0, 1, 2]) == [1, 0, 2].
// Writes a three-row JSON Lines dataset and a custom task file over it into `dir`; returns the file.
std::filesystem::path write_capitals_task(const std::filesystem::path& dir) {
  const auto data = dir / "capitals";
  std::filesystem::create_directories(data);
  std::ofstream(data / "train.jsonl") << R"({"country": "France", "options": [" Paris", " Lyon"], "label": 0})" "\n";
  std::ofstream(data / "test.jsonl") << R"({"country": "Italy", "options": [" Milan", " Rome"], "label": 1})" "\n"
                                     << R"({"country": "Spain", "options": [" Madrid", " Seville"], "label": 0})" "\n"
                                     << R"({"country": "Japan", "options": [" Osaka", " Tokyo"], "label": 1})" "\n";
  const auto yaml = dir / "tasks.yaml";
  std::ofstream(yaml) << "TASKS_TABLE:\n"
                         "  - name: capitals\n"
                         "    prompt:\n"
                         "      query: \"Question: What is the capital of {{ country }}?\\nAnswer:\"\n"
                         "      choices: \"{{ options }}\"\n"
                         "      gold_index: \"{{ label }}\"\n"
                         "    hf_repo: \""
                      << data.string()
                      << "\"\n"
                         "    hf_subset: default\n"
                         "    evaluation_splits: [test]\n"
                         "    few_shots_split: train\n"
                         "    few_shots_select: sequential\n"
                         "    metric: [loglikelihood_acc]\n"
                         "TASKS_GROUPS:\n"
                         "  geo: [\"custom|capitals|1|0\", \"custom|capitals|0|0\"]\n";
  return yaml;
}

TEST(EvalCli, CustomTemplateTaskWithGroupPositionalArgsAndKebabFlags) {
  auto dir = temp_dir("cli_custom_run");
  const auto yaml = write_capitals_task(dir);
  const auto out = dir / "out";
  auto r = lighteval("accelerate dummy geo --custom-tasks " + yaml.string() + " --output-dir " + out.string() +
                     " --save-details --max-samples 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("|custom:capitals:1|"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("|custom:capitals:0|"), std::string::npos) << r.out;
  std::filesystem::path results;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out / "results")) results = e.path();
  const Json j = Json::parse(read_file(results));
  EXPECT_EQ(j["config_tasks"]["custom|capitals"]["effective_num_docs"], 2);
  EXPECT_EQ(j["config_tasks"]["custom|capitals"]["original_num_docs"], 3);
  EXPECT_TRUE(j["results"]["custom|capitals|1"].contains("acc"));
  // The first doc after the shuffle is row 1 (Spain); its 1-shot prompt is the train row with its
  // gold answer, "\n\n", then the query.
  std::filesystem::path details;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out / "details"))
    if (e.path().filename().string().find("capitals|1") != std::string::npos) details = e.path();
  ASSERT_FALSE(details.empty());
  auto rows = run_command(lighteval_binary().string() + " dataset show '" + details.string() + "'");
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  const Json first = Json::parse(rows.out.substr(0, rows.out.find('\n')));
  EXPECT_EQ(first["full_prompt"],
            "Question: What is the capital of France?\nAnswer: Paris\n\nQuestion: What is the capital of Spain?\nAnswer:");
  EXPECT_EQ(first["choices"], "[' Madrid', ' Seville']");
  EXPECT_EQ(first["gold_index"], "[0]");
}

// Every flag of v0.5's `lighteval accelerate` in its kebab-case spelling, in one run; the values
// land where v0.5 records them (config_general) or change what it computes (seeds, samples).
TEST(EvalCli, EveryFlagInKebabCase) {
  auto dir = temp_dir("cli_kebab");
  const auto yaml = write_capitals_task(dir);
  const auto out = dir / "out";
  auto r = lighteval("accelerate --model-args dummy --tasks " + quote("custom|capitals|1|1") + " --custom-tasks " +
                     yaml.string() + " --output-dir " + out.string() +
                     " --max-samples 2 --override-batch-size 3 --job-id job7 --save-details --system-prompt " +
                     quote("Be brief. ") + " --dataset-loading-processes 1 --cache-dir " + (dir / "cache").string() +
                     " --num-fewshot-seeds 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::filesystem::path results;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out / "results")) results = e.path();
  const Json j = Json::parse(read_file(results));
  EXPECT_EQ(j["config_general"]["job_id"], "job7");
  EXPECT_EQ(j["config_general"]["override_batch_size"], 3);
  EXPECT_EQ(j["config_general"]["max_samples"], 2);
  EXPECT_EQ(j["config_general"]["num_fewshot_seeds"], 2);
  std::filesystem::path details;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out / "details"))
    if (e.path().extension() == ".parquet") details = e.path();
  auto rows = run_command(lighteval_binary().string() + " dataset show '" + details.string() + "'");
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  // 2 docs x 2 few-shot seeds; the system prompt is prepended with no separator (v0.5).
  EXPECT_EQ(std::count(rows.out.begin(), rows.out.end(), '\n'), 4) << rows.out;
  const Json first = Json::parse(rows.out.substr(0, rows.out.find('\n')));
  EXPECT_EQ(first["full_prompt"], "Be brief. Question: What is the capital of France?\nAnswer: Paris\n\n"
                                  "Question: What is the capital of Spain?\nAnswer:");
  // The flags' values are checked as v0.5's argparse types would.
  for (const std::string& bad : {"--num-fewshot-seeds 0", "--max-samples x", "--max-samples 3x", "--override-batch-size 1.5",
                                 "--dataset-loading-processes 0"}) {
    auto e = lighteval("accelerate --model-args dummy --tasks " + quote("custom|capitals|1|1") + " --custom-tasks " +
                       yaml.string() + " --output-dir " + out.string() + " " + bad);
    std::string flag = bad.substr(0, bad.find(' '));
    std::replace(flag.begin() + 2, flag.end(), '-', '_');  // errors name the v0.5 spelling
    expect_one_line_error(e, 2, flag);
  }
}

TEST(TasksCli, ListInV05Layout) {
  auto r = lighteval("tasks --list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // v0.5 print_all_tasks: "\n- suite:" then "  - suite|task" for each task, everything sorted.
  EXPECT_EQ(r.out.rfind("\n- harness:\n  - harness|", 0), 0u) << r.out.substr(0, 200);
  std::vector<std::string> tasks;
  std::string line;
  size_t leaderboard = 0;
  for (size_t pos = 0; pos < r.out.size();) {
    size_t nl = r.out.find('\n', pos);
    line = r.out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("  - ", 0) == 0) {
      tasks.push_back(line.substr(4));
      if (line.rfind("  - leaderboard|", 0) == 0) ++leaderboard;
    }
  }
  EXPECT_TRUE(std::is_sorted(tasks.begin(), tasks.end()));
  // The Open LLM Leaderboard suite of v0.5: arc, hellaswag, truthfulqa, 57 mmlu, winogrande, gsm8k.
  EXPECT_EQ(leaderboard, 62u);
  expect_one_line_error(lighteval("tasks"), 2, "exactly one of --list or --inspect");
}

}  // namespace
}  // namespace lighteval::testing
