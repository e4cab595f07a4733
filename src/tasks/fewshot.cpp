#include "tasks/fewshot.h"

#include <algorithm>

#include "util/error.h"

namespace lighteval::tasks {

FewShotSampler::FewShotSampler(std::string task_name, std::string selection,
                               std::function<std::vector<Doc>()> pool)
    : task_name_(std::move(task_name)),
      selection_(selection.empty() ? "balanced" : std::move(selection)),
      load_pool_(std::move(pool)) {}

const std::vector<Doc>& FewShotSampler::pool() {
  if (!loaded_) {
    pool_ = load_pool_();
    loaded_ = true;
  }
  return pool_;
}

std::vector<size_t> FewShotSampler::init_balanced(int k, int seed) {
  const auto& docs = pool();
  util::PyRandom rnd(static_cast<int64_t>(seed));  // v0.5: random.seed(variance_seed)
  std::map<std::string, std::vector<size_t>> label_to_instances;  // sorted like sorted(items())
  for (size_t i = 0; i < docs.size(); ++i) {
    auto golds = docs[i].get_golds(/*few_shot=*/true);
    if (golds.empty()) {
      throw Error("task " + task_name_ + ": a few-shot doc has no gold answer, so balanced few-shot "
                  "selection cannot group it by label");
    }
    label_to_instances[golds.front()].push_back(i);
  }
  std::map<size_t, std::vector<std::string>, std::greater<>> counts_to_labels;
  for (const auto& [label, instances] : label_to_instances) {
    counts_to_labels[instances.size()].push_back(label);
  }
  std::vector<std::string> sorted_labels;
  for (auto& [count, labels] : counts_to_labels) {
    rnd.shuffle(labels);  // ties broken at random, in count order
    sorted_labels.insert(sorted_labels.end(), labels.begin(), labels.end());
  }
  std::vector<size_t> examples;
  size_t remaining = std::min(docs.size(), static_cast<size_t>(k) + 1);
  size_t next = 0;
  while (remaining > 0 && !sorted_labels.empty()) {
    const std::string& label = sorted_labels[next];
    next = (next + 1) % sorted_labels.size();
    if (label.empty()) break;  // v0.5 stops at a falsy label
    auto& instances = label_to_instances[label];
    if (instances.empty()) continue;
    size_t j = static_cast<size_t>(rnd.randrange(static_cast<int64_t>(instances.size())));
    examples.push_back(instances[j]);
    instances.erase(instances.begin() + static_cast<std::ptrdiff_t>(j));
    --remaining;
  }
  return examples;
}

std::vector<const Doc*> FewShotSampler::sample(int k, int seed, util::PyRandom& sampler,
                                               const Doc& doc) {
  if (k <= 0) return {};
  const auto& docs = pool();
  if (!cache_.count(seed)) {
    std::vector<size_t> order(docs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (selection_ == "sequential") {
      if (!order.empty()) {
        size_t shift = (static_cast<size_t>(k) * static_cast<size_t>(seed)) % order.size();
        std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shift), order.end());
      }
    } else if (selection_ == "balanced") {
      order = init_balanced(k, seed);
    } else if (seed != 0) {  // random, random_sampling, random_sampling_from_train
      util::PyRandom rnd(static_cast<int64_t>(seed));
      rnd.shuffle(order);
    }
    cache_[seed] = std::move(order);
  }
  const std::vector<size_t>& cached = cache_[seed];
  std::vector<size_t> drawn;
  if (selection_ == "random_sampling_from_train" || selection_ == "random_sampling") {
    size_t want = static_cast<size_t>(k) + (selection_ == "random_sampling" ? 1 : 0);
    if (want > cached.size()) {
      throw Error("task " + task_name_ + ": " + std::to_string(k) + " few-shot examples asked but the "
                  "few-shot pool has only " + std::to_string(cached.size()) + " docs; ask for fewer shots");
    }
    for (size_t i : sampler.sample(cached.size(), want)) drawn.push_back(cached[i]);
  } else {
    drawn = cached;
  }
  std::vector<const Doc*> out;
  for (size_t i : drawn) {
    if (out.size() == static_cast<size_t>(k)) break;
    if (docs[i].same_example(doc)) continue;
    out.push_back(&docs[i]);
  }
  return out;
}

}  // namespace lighteval::tasks
