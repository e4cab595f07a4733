// tasks/fewshot: lighteval v0.5's FewShotSampler (prompt_manager.py): which pool docs serve as the
// few-shot examples of one eval doc. Selections: balanced (default), random, sequential,
// random_sampling, random_sampling_from_train. The *_sampling ones draw from the task's shared
// PyRandom (the one that shuffled the eval docs); balanced reseeds a generator with the few-shot
// seed, as v0.5 reseeds the global `random`. Two v0.5 crashes/bugs are fixed (see
// docs/compatibility.md): `random` with seed > 0 shuffles a copy of the pool with Random(seed)
// instead of crashing, and `sequential` rotates the pool by k*seed from its original order
// instead of rotating the shared list again for every seed.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tasks/doc.h"
#include "util/py_random.h"

namespace lighteval::tasks {

class FewShotSampler {
 public:
  // `selection` empty = balanced; `pool` loads the few-shot docs once, on first need.
  FewShotSampler(std::string task_name, std::string selection,
                 std::function<std::vector<Doc>()> pool);

  // The few-shot examples for `doc` (at most k; the doc itself is never among them).
  std::vector<const Doc*> sample(int k, int seed, util::PyRandom& sampler, const Doc& doc);

 private:
  const std::vector<Doc>& pool();
  std::vector<size_t> init_balanced(int k, int seed);

  std::string task_name_;
  std::string selection_;
  std::function<std::vector<Doc>()> load_pool_;
  bool loaded_ = false;
  std::vector<Doc> pool_;
  std::map<int, std::vector<size_t>> cache_;  // per seed, as v0.5's _fewshot_cache
};

}  // namespace lighteval::tasks
