// Prompt functions and full prompts of the built-in tasks whose raw rows are not in
// ../shared/assets/raw, against tests/fixtures/tasks/prompt_functions_reference.json (written by
// scripts/fixtures/tasks_prompt_functions_reference.py: lighteval v0.5's prompt functions run by
// CPython on hand-written rows), plus literal prompts written by hand from the rules.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "raw_rows.h"
#include "tasks/prepare.h"
#include "tasks/prompt_functions.h"
#include "tasks/registry.h"
#include "tasks/text_utils.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

Json reference() {
  std::ifstream in(lighteval::testing::fixtures_dir() / "tasks" / "prompt_functions_reference.json");
  EXPECT_TRUE(in.good());
  return Json::parse(in);
}

Doc run_function(const std::string& name, Json row) {
  const PromptFunction* fn = find_prompt_function(name);
  EXPECT_NE(fn, nullptr) << name;
  row["__few_shots"] = false;
  auto docs = (*fn)(row, "suite|task");
  EXPECT_LE(docs.size(), 1u);
  if (docs.empty()) return Doc{.query = "<skipped>"};
  return docs[0];
}

TEST(PromptFunctions, MatchLightevalOnEveryReferenceRow) {
  Json ref = reference();
  ASSERT_GE(ref["singles"].size(), 30u);
  for (const Json& s : ref["singles"]) {
    std::string name = s["function"];
    SCOPED_TRACE(name + " " + s["row"].dump().substr(0, 80));
    Doc d = run_function(name, s["row"]);
    const Json& want = s["doc"];
    if (want.is_null()) {
      EXPECT_EQ(d.query, "<skipped>");
      continue;
    }
    EXPECT_EQ(d.query, want["query"].get<std::string>());
    EXPECT_EQ(d.instruction, want["instruction"].get<std::string>());
    EXPECT_EQ(d.task_name, "suite|task");
    if (want["choices"].is_null()) {
      EXPECT_TRUE(d.choices_none);
    } else {
      EXPECT_EQ(d.choices, want["choices"].get<std::vector<std::string>>());
    }
    if (want["gold_index"].is_array()) {
      EXPECT_TRUE(d.gold_index_is_list);
      EXPECT_EQ(d.gold_index, want["gold_index"].get<std::vector<int64_t>>());
    } else if (want["gold_index"].is_null()) {
      EXPECT_TRUE(d.gold_index.empty());
      EXPECT_FALSE(d.gold_index_is_list);
    } else {
      EXPECT_EQ(d.gold_index, std::vector<int64_t>{want["gold_index"].get<int64_t>()});
    }
    if (want["target_for_fewshot_sorting"].is_null()) {
      EXPECT_FALSE(d.target_for_fewshot_sorting.has_value());
    } else {
      EXPECT_EQ(d.target_for_fewshot_sorting, want["target_for_fewshot_sorting"].get<std::string>());
    }
    EXPECT_EQ(d.specific, want["specific"]);
    if (want.contains("original_query")) EXPECT_EQ(d.original_query, want["original_query"].get<std::string>());
  }
}

TEST(PromptFunctions, HandWrittenExamples) {
  Doc h = run_function("hellaswag_harness",
                       Json{{"activity_label", "Roof shingle removal"}, {"ctx_a", "A man is sitting on a roof."},
                            {"ctx_b", "he"}, {"endings", {"is using wrap.", " [title] starts pulling up roofing."}},
                            {"label", "1"}});
  EXPECT_EQ(h.query, "Roof shingle removal: A man is sitting on a roof. He ");
  EXPECT_EQ(h.choices, (std::vector<std::string>{"is using wrap.", ". starts pulling up roofing."}));
  EXPECT_EQ(h.gold_index, std::vector<int64_t>{1});

  Doc w = run_function("winogrande", Json{{"sentence", "The cup fell off the table because _ was wobbly ."},
                                          {"option1", "the cup"}, {"option2", "the table"}, {"answer", "2"}});
  EXPECT_EQ(w.query, "The cup fell off the table because ");
  EXPECT_EQ(w.choices, (std::vector<std::string>{"the cup was wobbly .", "the table was wobbly ."}));
  EXPECT_EQ(w.gold_index, std::vector<int64_t>{1});

  Doc m = run_function("mmlu_harness", Json{{"question", "2+2?"}, {"subject", "high_school_mathematics"},
                                            {"choices", {"3", "4", "5", "6"}}, {"answer", "B"}});
  EXPECT_EQ(m.query,
            "The following are multiple choice questions (with answers) about high school mathematics.\n\n"
            "2+2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:");
  EXPECT_EQ(m.gold_index, std::vector<int64_t>{1});
  EXPECT_EQ(m.target_for_fewshot_sorting, " B");

  Doc b = run_function("boolq_harness", Json{{"question", "is it"}, {"passage", "P."}, {"label", true}});
  EXPECT_EQ(b.query, "P.\nQuestion: is it?\nAnswer:");
  EXPECT_EQ(b.gold_index, std::vector<int64_t>{1});

  Doc l = run_function("lambada", Json{{"text", "He said hello to his friend"}});
  EXPECT_EQ(l.query, "He said hello to his");
  EXPECT_EQ(l.choices, std::vector<std::string>{" friend"});
}

TEST(PromptFunctions, RowsTheyCannotReadAreClearErrors) {
  auto err = [](const std::string& name, const Json& row) {
    try {
      run_function(name, row);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err("arc", Json{{"question", "q"}}).find("has no column 'choices'"), std::string::npos);
  EXPECT_NE(err("arc", Json{{"question", "q"}, {"choices", {{"text", {"a"}}, {"label", {"A"}}}}, {"answerKey", "B"}})
                .find("answerKey 'B' is not among choices.label"),
            std::string::npos);
  EXPECT_NE(err("winogrande", Json{{"sentence", "no blank"}, {"option1", "a"}, {"option2", "b"}, {"answer", "1"}})
                .find("exactly one '_'"),
            std::string::npos);
  EXPECT_NE(err("lambada", Json{{"text", "word"}}).find("no space"), std::string::npos);
  EXPECT_NE(err("gsm8k", Json{{"question", 3}, {"answer", "x"}}).find("'question' is not a string"), std::string::npos);
  EXPECT_NE(err("piqa_harness", Json{{"goal", "g"}, {"sol1", "a"}, {"sol2", "b"}, {"label", "x"}}).find("not an integer"),
            std::string::npos);
  EXPECT_EQ(find_prompt_function("no_such_function"), nullptr);
}

TEST(PromptFunctions, PythonStringSemantics) {
  // Values from CPython 3.11: str.capitalize title-cases the first character and lower-cases
  // the rest; str.strip removes Unicode whitespace.
  EXPECT_EQ(text::capitalize("hELLO wORLD"), "Hello world");
  EXPECT_EQ(text::capitalize("\xc3\xa9LAN"), "\xc3\x89lan");  // 'éLAN' -> 'Élan'
  EXPECT_EQ(text::capitalize("\xc7\x86" "EMAL"), "\xc7\x85" "emal");  // 'ǆEMAL' -> 'ǅemal' (title case)
  EXPECT_EQ(text::capitalize(""), "");
  EXPECT_EQ(text::strip("\xc2\xa0 x y\t\n\xe3\x80\x80"), "x y");
  EXPECT_EQ(text::replace_all("a   b", "  ", " "), "a  b");
  int64_t v = 0;
  EXPECT_TRUE(text::parse_python_int(" -12 ", v));
  EXPECT_EQ(v, -12);
  EXPECT_FALSE(text::parse_python_int("1.5", v));
  EXPECT_FALSE(text::parse_python_int("+-1", v));
}

class BuiltinPromptTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = TaskRegistry::load_builtin(lighteval::testing::source_dir() / "tasks"); }
  TaskRegistry registry_;
};

TEST_F(BuiltinPromptTest, FullPromptsOfEveryOtherBuiltinTask) {
  Json ref = reference();
  const Json datasets = ref["datasets"];
  for (const Json& c : ref["cases"]) {
    std::string name = c["name"];
    SCOPED_TRACE(name);
    TaskSpec spec = parse_task_spec(name + "|0");
    const TaskConfig& config = registry_.get(spec.task_key());
    PrepareOptions options;
    const Json rows = datasets[spec.task_key()];
    options.load_rows = [rows, config](const std::string& repo, const std::string& subset, const std::string& split,
                                       const std::optional<std::string>&) {
      EXPECT_EQ(repo, config.hf_repo);
      EXPECT_EQ(subset, config.hf_subset);
      if (!rows.contains(split)) throw Error("no split " + split);
      return rows[split].get<std::vector<Json>>();
    };
    testing::expect_prepared_matches(prepare_task(config, {spec}, options), c);
  }
}

TEST_F(BuiltinPromptTest, MmluTwoShotPromptWrittenByHand) {
  Json ref = reference();
  const Json rows = ref["datasets"]["leaderboard|mmlu:abstract_algebra"];
  PrepareOptions options;
  options.load_rows = [rows](const std::string&, const std::string&, const std::string& split,
                             const std::optional<std::string>&) { return rows[split].get<std::vector<Json>>(); };
  options.max_samples = 1;
  TaskSpec spec = parse_task_spec("leaderboard|mmlu:abstract_algebra|2|0");
  PreparedTask t = prepare_task(registry_.get(spec.task_key()), {spec}, options);
  ASSERT_EQ(t.docs.size(), 1u);
  EXPECT_EQ(t.original_num_docs, 3u);
  EXPECT_EQ(t.effective_num_docs, 1u);
  // Random(42).shuffle([0, 1, 2]) == [1, 0, 2] (CPython), so doc 0 is test row 1; sequential
  // few-shot takes the first two dev rows.
  EXPECT_EQ(t.docs[0].doc.ctx,
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
            "Find all zeroes in the indicated finite field of the given polynomial with coefficients in that "
            "field. x^5 + 3x^3 + x^2 + 2x in Z_5\nA. 0\nB. 1\nC. 0,1\nD. 0,4\nAnswer: D\n\n"
            "Statement 1 | A factor group of a non-Abelian group is non-Abelian.\nA. True, True\nB. False, False\n"
            "C. True, False\nD. False, True\nAnswer: B\n\n"
            "Statement 1 | If aH is an element of a factor group, then |aH| divides |a|.\nA. True, True\n"
            "B. False, False\nC. True, False\nD. False, True\nAnswer:");
  EXPECT_EQ(t.docs[0].sample_id, "0_0");
  EXPECT_EQ(t.docs[0].spec_key(), "leaderboard|mmlu:abstract_algebra|2");
  // The system prompt is glued to the instruction with no separator (v0.5).
  options.system_prompt = "SYS";
  t = prepare_task(registry_.get(spec.task_key()), {spec}, options);
  EXPECT_EQ(t.docs[0].doc.ctx.rfind("SYSThe following are multiple choice questions", 0), 0u);
}

TEST_F(BuiltinPromptTest, InspectGivesDocsAsJson) {
  Json ref = reference();
  const Json rows = ref["datasets"]["leaderboard|winogrande"];
  PrepareOptions options;
  options.load_rows = [rows](const std::string&, const std::string&, const std::string& split,
                             const std::optional<std::string>&) { return rows[split].get<std::vector<Json>>(); };
  TaskSpec spec = parse_task_spec("leaderboard|winogrande|0|0");
  Json docs = inspect_docs(registry_.get(spec.task_key()), spec, 2, options);
  ASSERT_EQ(docs.size(), 2u);
  // Doc 0 is validation row 1 (Random(42).shuffle of 3 docs).
  EXPECT_EQ(docs[0]["query"], "The trophy doesn't fit into the brown suitcase because the ");
  EXPECT_EQ(docs[0]["choices"], (Json{"trophy is too large.", "suitcase is too large."}));
  EXPECT_EQ(docs[0]["gold_index"], 0);
  EXPECT_EQ(docs[0]["ctx"], "The trophy doesn't fit into the brown suitcase because the ");
  EXPECT_EQ(docs[0]["task_name"], "leaderboard|winogrande");
  EXPECT_EQ(docs[0]["num_asked_few_shots"], 0);
}

}  // namespace
}  // namespace lighteval::tasks
