// Custom tasks whose prompt is given as Jinja templates over the row: they must reproduce the
// built-in prompt functions' output when written to mean the same thing.
#include "tasks/template_prompt.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_support.h"
#include "raw_rows.h"
#include "tasks/prepare.h"
#include "tasks/registry.h"
#include "util/error.h"

namespace lighteval::tasks {
namespace {

TaskConfig config_of(const std::string& yaml) { return parse_task_file(yaml, "custom.yaml").tasks.at(0); }

TEST(TemplatePrompt, Gsm8kTemplatesReproduceTheBuiltinPrompt) {
  LIGHTEVAL_REQUIRE_SHARED();
  TaskConfig c = config_of(R"(tasks:
  - name: gsm8k_tpl
    suite: [custom]
    prompt:
      query: "Question: {{ question }}\nAnswer:"
      choices: "{{ [' ' ~ answer] }}"
      gold_index: "{{ 0 }}"
    hf_repo: gsm8k
    hf_subset: main
    hf_avail_splits: [train, test]
    evaluation_splits: [test]
    few_shots_select: random_sampling_from_train
    generation_size: 256
    metric: [quasi_exact_match_gsm8k]
)");
  PrepareOptions options;
  options.load_rows = testing::raw_row_loader();
  options.max_samples = 3;
  std::ifstream in(lighteval::testing::fixtures_dir() / "tasks" / "prompt_reference.json");
  Json ref = Json::parse(in);
  for (const auto& rc : ref["cases"]) {
    if (rc["name"] != "leaderboard|gsm8k|5") continue;
    testing::expect_prepared_matches(prepare_task(c, {parse_task_spec("custom|gsm8k_tpl|5|0")}, options), rc);
  }
}

TEST(TemplatePrompt, FieldsOfOneRow) {
  PromptTemplate t;
  t.instruction = "About {{ subject.replace('_', ' ') }}:\n";
  t.query = "About {{ subject.replace('_', ' ') }}:\n{{ question }}\n{% for c in choices %}{{ 'ABCD'[loop.index0] }}. {{ c }}\n{% endfor %}Answer:";
  t.choices = "{{ [' A', ' B', ' C', ' D'] }}";
  t.gold_index = "{{ answer }}";
  t.target_for_fewshot_sorting = "{{ [' A', ' B', ' C', ' D'][answer] }}";
  validate_prompt_template(t, "test");
  Json row{{"subject", "college_physics"}, {"question", "Q?"}, {"choices", {"a", "b", "c", "d"}}, {"answer", 2}};
  auto docs = apply_prompt_template(t, row, "custom|t");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].instruction, "About college physics:\n");
  EXPECT_EQ(docs[0].query, "About college physics:\nQ?\nA. a\nB. b\nC. c\nD. d\nAnswer:");
  EXPECT_EQ(docs[0].choices, (std::vector<std::string>{" A", " B", " C", " D"}));
  EXPECT_EQ(docs[0].gold_index, std::vector<int64_t>{2});
  EXPECT_FALSE(docs[0].gold_index_is_list);
  EXPECT_EQ(docs[0].target_for_fewshot_sorting, " C");
  EXPECT_EQ(docs[0].query_without_instruction(), "Q?\nA. a\nB. b\nC. c\nD. d\nAnswer:");

  // A list expression for choices keeps the list; a rendered gold index is parsed as an int; a
  // list of golds stays a list.
  PromptTemplate arc;
  arc.query = "Question: {{question}}\nAnswer:";
  arc.choices = "{{choices.text}}";
  arc.gold_index = "{{ [0, 2] }}";
  Json arc_row{{"question", "Which?"}, {"choices", {{"text", {"x", "y", "z"}}, {"label", {"A", "B", "C"}}}}, {"answerKey", "C"}};
  auto d = apply_prompt_template(arc, arc_row, "custom|arc").at(0);
  EXPECT_EQ(d.query, "Question: Which?\nAnswer:");
  EXPECT_EQ(d.choices, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(d.gold_index_is_list);
  EXPECT_EQ(d.gold_index, (std::vector<int64_t>{0, 2}));
  arc.gold_index = "{% if answerKey == 'C' %}2{% else %}0{% endif %}";
  EXPECT_EQ(apply_prompt_template(arc, arc_row, "custom|arc").at(0).gold_index, std::vector<int64_t>{2});
}

TEST(TemplatePrompt, BadTemplatesAreClearErrors) {
  auto msg = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      return m;
    }
    return std::string("<no error>");
  };
  std::string m = msg([] {
    parse_task_file("tasks:\n  - name: x\n    prompt: {query: '{{ question', choices: '{{ c }}', gold_index: '0'}\n"
                    "    hf_repo: r\n    metric: [loglikelihood_acc]\n",
                    "custom.yaml");
  });
  EXPECT_NE(m.find("custom.yaml: task 'x': prompt template 'query' does not parse"), std::string::npos) << m;
  PromptTemplate t;
  t.query = "{{ question }}";
  t.choices = "{{ options }}";
  t.gold_index = "{{ label }}";
  Json row{{"question", "q"}, {"options", {"a", "b"}}, {"label", "first"}};
  m = msg([&] { apply_prompt_template(t, row, "custom|x"); });
  EXPECT_NE(m.find("'gold_index' gave \"first\", not an integer"), std::string::npos) << m;
  row["label"] = 5;
  m = msg([&] { apply_prompt_template(t, row, "custom|x"); });
  EXPECT_NE(m.find("gold index 5 is out of range for 2 choices"), std::string::npos) << m;
  row.erase("options");
  m = msg([&] { apply_prompt_template(t, row, "custom|x"); });
  EXPECT_NE(m.find("task custom|x: prompt template 'choices'"), std::string::npos) << m;
}

// A misspelt column would render as "" (Jinja's default Undefined); it is one clear error naming
// the variable and the row's columns instead.
TEST(TemplatePrompt, MisspeltColumnIsAClearError) {
  Json row{{"question", "q?"}, {"options", {"a", "b"}}, {"label", 1}, {"__few_shots", false}};
  auto error_of = [&](const std::string& query, const std::string& choices, const std::string& gold) {
    PromptTemplate t;
    t.query = query;
    t.choices = choices;
    t.gold_index = gold;
    try {
      apply_prompt_template(t, row, "custom|x");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of("Q: {{ questoin }}", "{{ options }}", "{{ label }}"),
            "task custom|x: prompt template 'query' uses 'questoin', which the dataset rows do not have "
            "(columns: question, options, label)");
  EXPECT_NE(error_of("{{ question }}", "{{ option }}", "{{ label }}").find("'choices' uses 'option'"), std::string::npos);
  EXPECT_NE(error_of("{{ question }}", "{{ options }}", "{{ lable }}").find("'gold_index' uses 'lable'"), std::string::npos);
  EXPECT_NE(error_of("{% if questio %}x{% endif %}", "{{ options }}", "{{ label }}").find("uses 'questio'"),
            std::string::npos);
  // What is not a column read: attributes, filters and their arguments' keywords, tests, literals,
  // names the template binds, loop and Jinja globals; optional columns guarded by `is defined` or
  // `default` are allowed.
  for (const std::string& ok : {
           "{{ question.upper() | replace('Q', 'q') | trim }}",
           "{{ question ~ \"{{ not_a_column }}\" }}",
           "{% for o in options %}{{ loop.index }}. {{ o }}\n{% endfor %}{{ question }}",
           "{% set n = options | length %}{{ n }} {{ question if label is number else 'x' }}",
           "{% set a, b = options %}{{ a }}/{{ b }}",
           "{{ options | join(', ') }} {{ range(2) | list }} {{ [1, 2.5] }} {{ {'k': label} }}",
           "{% macro m(x, y=1) %}{{ x }}{{ y }}{% endmacro %}{{ m(question) }}",
           "{{ hint if hint is defined else '' }}{{ question }}",
           "{{ hint | default('none') }}",
           "{{ question }}{{ __few_shots }}",
       })
    EXPECT_EQ(error_of(ok, "{{ options }}", "{{ label }}"), "") << ok;
}

}  // namespace
}  // namespace lighteval::tasks
