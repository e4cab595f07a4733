#include "metrics/registry.h"

#include <cmath>

#include "metrics/aggregation.h"
#include "metrics/nltk_bleu.h"
#include "metrics/normalizers.h"
#include "metrics/rouge.h"
#include "metrics/sample_metrics.h"
#include "util/error.h"

namespace lighteval::metrics {

std::string category_name(MetricCategory c) {
  static const char* names[] = {"",
                                "TARGET_PERPLEXITY",
                                "PERPLEXITY",
                                "GENERATIVE",
                                "GENERATIVE_LOGPROB",
                                "GENERATIVE_SAMPLING",
                                "LLM_AS_JUDGE_MULTI_TURN",
                                "LLM_AS_JUDGE",
                                "MULTICHOICE",
                                "MULTICHOICE_PMI",
                                "MULTICHOICE_ONE_TOKEN",
                                "IGNORED"};
  return names[static_cast<int>(c)];
}
std::string category_value(MetricCategory c) { return std::to_string(static_cast<int>(c)); }
std::string use_case_value(MetricUseCase u) { return std::to_string(static_cast<int>(u)); }

Json SampleValue::to_json() const {
  if (item) return item->to_json();
  return value;
}

Json MetricDef::config_json() const {
  Json j = Json::object();
  if (grouping) {
    Json names = Json::array(), hib = Json::object(), corpus = Json::object();
    for (const auto& o : outputs) {
      names.push_back(o.key);
      hib[o.key] = o.higher_is_better;
      corpus[o.key] = o.corpus_fn_name;
    }
    j["metric_name"] = names;
    j["higher_is_better"] = hib;
    j["category"] = category_value(category);
    j["use_case"] = use_case_value(use_case);
    j["sample_level_fn"] = sample_fn_name;
    j["corpus_level_fn"] = corpus;
  } else {
    j["metric_name"] = outputs[0].key;
    j["higher_is_better"] = outputs[0].higher_is_better;
    j["category"] = category_value(category);
    j["use_case"] = use_case_value(use_case);
    j["sample_level_fn"] = sample_fn_name;
    j["corpus_level_fn"] = outputs[0].corpus_fn_name;
  }
  return j;
}

namespace {

using Cat = MetricCategory;
using Use = MetricUseCase;

SampleResult one(const std::string& key, double v) { return {{key, SampleValue{v, std::nullopt}}}; }
SampleResult one_item(const std::string& key, CorpusItem item) {
  return {{key, SampleValue{0, std::move(item)}}};
}

void need_choices(const SampleInput& in, const std::string& metric) {
  if (in.logprobs.empty())
    throw Error(metric + " needs one log-probability per choice, but the sample has none");
  if (in.gold_indices.empty()) throw Error(metric + " needs at least one gold index");
}

MetricDef mean_metric(std::string name, std::string key, Cat cat, Use use, bool hib,
                      std::function<double(const SampleInput&)> fn, std::string sample_fn = "compute") {
  MetricDef d;
  d.name = std::move(name);
  d.outputs = {MetricOutput{key, hib, CorpusFn::Mean, "mean"}};
  d.category = cat;
  d.use_case = use;
  d.sample_fn_name = std::move(sample_fn);
  d.compute = [key, fn = std::move(fn)](const SampleInput& in) { return one(key, fn(in)); };
  return d;
}

MetricDef acc_metric(std::string name, std::string key, Cat cat, LogprobNorm norm) {
  std::string metric = name;
  return mean_metric(std::move(name), std::move(key), cat, Use::Accuracy, true,
                     [norm, metric](const SampleInput& in) {
                       need_choices(in, metric);
                       return static_cast<double>(loglikelihood_acc(
                           in.gold_indices, normalize_logprobs(norm, in.logprobs, in.choices,
                                                               in.choice_token_counts,
                                                               in.unconditioned_logprobs)));
                     });
}

CorpusItem logprob_item(const SampleInput& in, bool single_token, const std::string& metric) {
  need_choices(in, metric);
  CorpusItem it;
  it.kind = CorpusItem::Kind::Logprob;
  it.golds = single_token ? std::vector<int>{in.gold_indices[0]} : in.gold_indices;
  it.pred = static_cast<int>(argmax(in.logprobs));
  return it;
}

MetricDef corpus_metric(std::string name, std::string key, Cat cat, Use use, bool hib, CorpusFn fn,
                        std::string corpus_fn_name, std::string sample_fn,
                        std::function<CorpusItem(const SampleInput&)> prep) {
  MetricDef d;
  d.name = std::move(name);
  d.outputs = {MetricOutput{key, hib, fn, std::move(corpus_fn_name)}};
  d.category = cat;
  d.use_case = use;
  d.sample_fn_name = std::move(sample_fn);
  d.compute = [key, prep = std::move(prep)](const SampleInput& in) { return one_item(key, prep(in)); };
  return d;
}

CorpusItem generative_item(const SampleInput& in) {
  CorpusItem it;
  it.kind = CorpusItem::Kind::Generative;
  it.gold_texts = in.golds;
  it.pred_texts = in.predictions;
  return it;
}

CorpusItem perplexity_item(const SampleInput& in, bool bytes) {
  CorpusItem it;
  it.kind = CorpusItem::Kind::Perplexity;
  it.logprob = in.rolling_logprob;
  it.weight = bytes ? count_bytes(in.reference_text) : count_words(in.reference_text);
  return it;
}

ExactMatchOptions em(Normalizer gold, Normalizer pred, bool strip, MatchType type = MatchType::Full) {
  ExactMatchOptions o;
  o.normalize_gold = std::move(gold);
  o.normalize_pred = std::move(pred);
  o.strip = strip;
  o.type = type;
  return o;
}

MetricDef em_metric(std::string name, std::string key, Use use, ExactMatchOptions opt) {
  return mean_metric(std::move(name), std::move(key), Cat::Generative, use, true,
                     [opt](const SampleInput& in) { return exact_match(in.golds, in.predictions, opt); });
}

MetricDef maj_metric(std::string name, int k, Use use, ExactMatchOptions opt, std::string key = "") {
  if (key.empty()) key = "maj@" + std::to_string(k);
  MetricDef d = mean_metric(std::move(name), key, Cat::GenerativeSampling, use, true,
                            [opt, k](const SampleInput& in) {
                              return static_cast<double>(maj_at_k(in.golds, in.predictions, k, opt));
                            });
  d.num_samples = k;
  return d;
}

MetricDef recall_metric(std::string name, std::string key, Cat cat, int k) {
  std::string metric = name;
  return mean_metric(std::move(name), std::move(key), cat, Use::Accuracy, true,
                     [k, metric](const SampleInput& in) {
                       need_choices(in, metric);
                       return static_cast<double>(recall_at_k(in.gold_indices, in.logprobs, k));
                     });
}

MetricDef rouge_metric(const std::string& type) {
  return mean_metric(type, type, Cat::Generative, Use::Summarization, true,
                     [type](const SampleInput& in) {
                       return rouge::mean_fmeasure(type, in.golds, in.predictions);
                     });
}

MetricDef translation_metric(std::string name, CorpusFn fn, bool hib) {
  std::string key = name;
  return corpus_metric(std::move(name), key, Cat::Generative, Use::Translation, hib, fn, "compute",
                       "prepare", generative_item);
}

std::vector<MetricDef> build() {
  std::vector<MetricDef> m;
  const Normalizer helm = helm_normalizer, gsm8k = gsm8k_normalizer, math = math_normalizer,
                   triviaqa = harness_triviaqa_normalizer;

  m.push_back(mean_metric("acc_golds_likelihood", "acc", Cat::TargetPerplexity, Use::Accuracy, true,
                          [](const SampleInput& in) {
                            for (bool g : in.is_greedy)
                              if (g) return 1.0;
                            return 0.0;
                          },
                          "acc_golds_likelihood"));
  m.push_back(corpus_metric("bits_per_byte", "bits_per_byte", Cat::Perplexity, Use::Perplexity, false,
                            CorpusFn::BitsPerByte, "compute", "prepare",
                            [](const SampleInput& in) { return perplexity_item(in, true); }));
  m.push_back(translation_metric("bleu", CorpusFn::Bleu, true));
  for (int n : {1, 4}) {
    std::string name = "bleu_" + std::to_string(n);
    m.push_back(mean_metric(name, name, Cat::Generative, Use::Translation, true,
                            [n](const SampleInput& in) { return nltk::bleu_n(in.golds, in.predictions, n); }));
  }
  m.push_back(corpus_metric("byte_perplexity", "byte_perplexity", Cat::Perplexity, Use::Perplexity,
                            false, CorpusFn::WeightedPerplexity, "compute", "prepare",
                            [](const SampleInput& in) { return perplexity_item(in, true); }));
  m.push_back(translation_metric("chrf", CorpusFn::Chrf, true));
  m.push_back(em_metric("exact_match", "em", Use::Accuracy, em(nullptr, nullptr, true)));
  m.push_back(mean_metric("f1_score_quasi", "f1_score_quasi", Cat::Generative, Use::Accuracy, true,
                          [helm](const SampleInput& in) {
                            return f1_bag_of_words(in.golds, in.predictions, helm, helm);
                          }));
  m.push_back(mean_metric("f1_score", "f1", Cat::Generative, Use::Accuracy, true,
                          [](const SampleInput& in) {
                            return f1_bag_of_words(in.golds, in.predictions, nullptr, nullptr);
                          }));
  m.push_back(corpus_metric("f1_score_macro", "f1", Cat::Generative, Use::Accuracy, true,
                            CorpusFn::F1Macro, "compute", "prepare", generative_item));
  m.push_back(corpus_metric("f1_score_micro", "f1", Cat::Generative, Use::Accuracy, true,
                            CorpusFn::F1Micro, "compute", "prepare", generative_item));
  m.push_back(acc_metric("loglikelihood_acc", "acc", Cat::Multichoice, LogprobNorm::None));
  m.push_back(acc_metric("loglikelihood_acc_norm", "acc_norm", Cat::Multichoice, LogprobNorm::Char));
  m.push_back(acc_metric("loglikelihood_acc_norm_nospace", "acc_norm", Cat::Multichoice,
                         LogprobNorm::CharIgnoreFirstSpace));
  m.push_back(acc_metric("loglikelihood_acc_norm_single_token", "acc_norm", Cat::MultichoiceOneToken,
                         LogprobNorm::Char));
  m.push_back(acc_metric("loglikelihood_acc_single_token", "acc", Cat::MultichoiceOneToken,
                         LogprobNorm::None));
  // The token and PMI normalisations are v0.5's dynamic_metrics.loglikelihood_acc_metric(...)
  // (multilingual tasks); they are named here after the key they produce.
  m.push_back(acc_metric("loglikelihood_acc_norm_token", "acc_norm_token", Cat::Multichoice,
                         LogprobNorm::Token));
  m.push_back(acc_metric("loglikelihood_acc_norm_pmi", "acc_norm_pmi", Cat::MultichoicePmi,
                         LogprobNorm::Pmi));
  m.push_back(corpus_metric("loglikelihood_f1", "loglikelihood_f1", Cat::Multichoice, Use::Accuracy, true,
                            CorpusFn::F1Max, "compute", "prepare",
                            [](const SampleInput& in) { return logprob_item(in, false, "loglikelihood_f1"); }));
  m.push_back(corpus_metric("loglikelihood_f1_single_token", "loglikelihood_f1", Cat::MultichoiceOneToken,
                            Use::Accuracy, true, CorpusFn::F1Max, "compute", "prepare",
                            [](const SampleInput& in) {
                              return logprob_item(in, true, "loglikelihood_f1_single_token");
                            }));
  m.push_back(corpus_metric("mcc", "mcc", Cat::Multichoice, Use::Accuracy, true, CorpusFn::Mcc,
                            "matthews_corrcoef", "prepare",
                            [](const SampleInput& in) { return logprob_item(in, false, "mcc"); }));
  m.push_back(corpus_metric("mcc_single_token", "mcc", Cat::MultichoiceOneToken, Use::Accuracy, true,
                            CorpusFn::Mcc, "matthews_corrcoef", "prepare",
                            [](const SampleInput& in) { return logprob_item(in, false, "mcc_single_token"); }));
  m.push_back(maj_metric("maj_at_4_math", 4, Use::Math, em(math, math, true)));
  m.push_back(maj_metric("maj_at_5", 5, Use::Accuracy, em(nullptr, nullptr, false)));
  m.push_back(maj_metric("maj_at_8", 8, Use::Accuracy, em(nullptr, nullptr, false)));
  m.push_back(maj_metric("maj_at_8_gsm8k", 8, Use::Math, em(gsm8k, gsm8k, true)));
  for (auto [name, cat] : {std::pair{"mrr", Cat::Multichoice}, std::pair{"mrr_single_token", Cat::MultichoiceOneToken}}) {
    std::string metric = name;
    m.push_back(mean_metric(name, "mrr", cat, Use::Accuracy, true, [metric](const SampleInput& in) {
      need_choices(in, metric);
      return mrr(in.gold_indices, in.logprobs);
    }));
  }
  m.push_back(corpus_metric("multi_f1_numeric", "mf1", Cat::MultichoiceOneToken, Use::Accuracy, true,
                            CorpusFn::MultiF1, "compute", "prepare",
                            [](const SampleInput& in) { return logprob_item(in, true, "multi_f1_numeric"); }));
  m.push_back(em_metric("perfect_exact_match", "perfect_em", Use::Accuracy, em(nullptr, nullptr, false)));
  m.push_back(em_metric("prefix_exact_match", "pem", Use::Accuracy,
                        em(nullptr, nullptr, true, MatchType::Prefix)));
  m.push_back(em_metric("prefix_quasi_exact_match", "pqem", Use::Accuracy,
                        em(helm, helm, false, MatchType::Prefix)));
  m.push_back(em_metric("quasi_exact_match", "qem", Use::Accuracy, em(helm, helm, true)));
  m.push_back(em_metric("quasi_exact_match_math", "qem", Use::Math, em(math, math, true)));
  m.push_back(em_metric("quasi_exact_match_triviaqa", "qem", Use::Accuracy, em(nullptr, triviaqa, true)));
  m.push_back(em_metric("quasi_exact_match_gsm8k", "qem", Use::Math, em(gsm8k, gsm8k, true)));
  m.push_back(recall_metric("recall_at_1_single_token", "acc", Cat::MultichoiceOneToken, 1));
  m.push_back(recall_metric("recall_at_2_single_token", "recall@2", Cat::MultichoiceOneToken, 2));
  m.push_back(recall_metric("recall_at_1", "acc", Cat::Multichoice, 1));
  m.push_back(recall_metric("recall_at_2", "recall@2", Cat::Multichoice, 2));
  for (const char* r : {"rouge1", "rouge2", "rougeL", "rougeLsum"}) m.push_back(rouge_metric(r));
  {
    MetricDef d;
    d.name = "target_perplexity";
    d.outputs = {MetricOutput{"ppl", false, CorpusFn::Perplexity, "compute"}};
    d.category = Cat::TargetPerplexity;
    d.use_case = Use::Perplexity;
    d.sample_fn_name = "prepare";
    d.compute = [](const SampleInput& in) {
      // PerplexityPreparator(words) over the golds: summed target log-probabilities, weight =
      // words of the golds joined by spaces (unused by the unweighted perplexity).
      CorpusItem it;
      it.kind = CorpusItem::Kind::Perplexity;
      for (double lp : in.logprobs) it.logprob += lp;
      std::string joined;
      for (size_t i = 0; i < in.golds.size(); ++i) joined += (i ? " " : "") + in.golds[i];
      it.weight = count_words(joined);
      return one_item("ppl", std::move(it));
    };
    m.push_back(std::move(d));
  }
  m.push_back(translation_metric("ter", CorpusFn::Ter, false));
  {
    MetricDef d;
    d.name = "truthfulqa_mc_metrics";
    d.outputs = {MetricOutput{"truthfulqa_mc1", true, CorpusFn::Mean, "mean"},
                 MetricOutput{"truthfulqa_mc2", true, CorpusFn::Mean, "mean"}};
    d.grouping = true;
    d.category = Cat::Multichoice;
    d.use_case = Use::Accuracy;
    d.sample_fn_name = "truthfulqa_mc_metrics";
    d.compute = [](const SampleInput& in) {
      need_choices(in, "truthfulqa_mc_metrics");
      if (!in.specific.is_object() || !in.specific.contains("len_mc1") ||
          !in.specific["len_mc1"].is_number_integer())
        throw Error("truthfulqa_mc_metrics needs the doc's specific.len_mc1 (number of mc1 choices)");
      auto s = truthfulqa_mc(in.gold_indices, in.logprobs, in.specific["len_mc1"].get<int>());
      return SampleResult{{"truthfulqa_mc1", SampleValue{s.mc1, std::nullopt}},
                          {"truthfulqa_mc2", SampleValue{s.mc2, std::nullopt}}};
    };
    m.push_back(std::move(d));
  }
  m.push_back(corpus_metric("word_perplexity", "word_perplexity", Cat::Perplexity, Use::Summarization,
                            false, CorpusFn::WeightedPerplexity, "compute", "prepare",
                            [](const SampleInput& in) { return perplexity_item(in, false); }));
  return m;
}

int int_param(const Json& params, const char* name, const std::string& metric) {
  if (!params.is_object() || !params.contains(name) || !params[name].is_number_integer() ||
      params[name].get<int>() < 1)
    throw Error("metric " + metric + " needs a positive integer parameter '" + name + "'");
  return params[name].get<int>();
}

}  // namespace

const std::vector<MetricDef>& all_metrics() {
  static const std::vector<MetricDef> metrics = build();
  return metrics;
}

bool has_metric(std::string_view name) {
  for (const auto& m : all_metrics())
    if (m.name == name) return true;
  return name == "maj_at_k" || name == "recall_at_k" || name == "pass_at_k";
}

MetricDef find_metric(std::string_view name, const Json& params) {
  for (const auto& m : all_metrics())
    if (m.name == name) return m;
  std::string n(name);
  if (n == "maj_at_k") {
    int k = int_param(params, "k", n);
    return maj_metric(n, k, Use::Accuracy, em(nullptr, nullptr, false), "maj@k:k=" + std::to_string(k));
  }
  if (n == "recall_at_k") {
    int k = int_param(params, "k", n);
    return recall_metric(n, "recall:k=" + std::to_string(k), Cat::Multichoice, k);
  }
  if (n == "pass_at_k") {
    int k = int_param(params, "k", n), samples = int_param(params, "n", n);
    std::string key = "pass@k:k=" + std::to_string(k) + "&n=" + std::to_string(samples);
    MetricDef d = mean_metric(n, key, Cat::GenerativeSampling, Use::Reasoning, true,
                              [k, samples](const SampleInput& in) {
                                return pass_at_k(in.golds, in.predictions, k, samples);
                              });
    d.num_samples = samples;
    return d;
  }
  std::string valid;
  for (const auto& m : all_metrics()) valid += (valid.empty() ? "" : ", ") + m.name;
  throw Error("unknown metric '" + n + "'; valid metrics are: " + valid +
              ", maj_at_k, recall_at_k, pass_at_k");
}

SampleResult compute_sample(const MetricDef& metric, const SampleInput& input) {
  return metric.compute(input);
}

double aggregate(const MetricOutput& output, const std::vector<SampleValue>& values) {
  if (output.corpus_fn == CorpusFn::Mean) {
    std::vector<double> v;
    v.reserve(values.size());
    for (const auto& s : values) v.push_back(s.value);
    return mean(v);
  }
  std::vector<CorpusItem> items;
  items.reserve(values.size());
  for (const auto& s : values) {
    if (!s.item) throw Error("corpus metric '" + output.key + "' was given a plain value instead of an item");
    items.push_back(*s.item);
  }
  return corpus_aggregate(output.corpus_fn, items);
}

std::optional<double> standard_error(const MetricOutput& output, const std::vector<SampleValue>& values,
                                     size_t bootstrap_iterations) {
  if (values.size() <= 1) return std::nullopt;
  if (output.corpus_fn == CorpusFn::Mean) {
    std::vector<double> v;
    for (const auto& s : values) v.push_back(s.value);
    return mean_stderr(v);
  }
  std::vector<CorpusItem> items;
  for (const auto& s : values) {
    if (!s.item) throw Error("corpus metric '" + output.key + "' was given a plain value instead of an item");
    items.push_back(*s.item);
  }
  if (has_sentence_stats(output.corpus_fn)) {
    std::vector<std::vector<double>> stats;
    for (const auto& it : items) stats.push_back(sentence_stats(output.corpus_fn, it));
    return bootstrap_stderr(
        stats.size(),
        [&](const std::vector<size_t>& idx) {
          std::vector<double> sum(stats[0].size(), 0.0);
          for (size_t i : idx)
            for (size_t k = 0; k < sum.size(); ++k) sum[k] += stats[i][k];
          return score_from_stats(output.corpus_fn, sum);
        },
        bootstrap_iterations);
  }
  std::vector<CorpusItem> draw(items.size());
  return bootstrap_stderr(
      items.size(),
      [&](const std::vector<size_t>& idx) {
        for (size_t i = 0; i < idx.size(); ++i) draw[i] = items[idx[i]];
        return corpus_aggregate(output.corpus_fn, draw);
      },
      bootstrap_iterations);
}

}  // namespace lighteval::metrics
