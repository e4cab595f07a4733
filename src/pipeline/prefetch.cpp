#include "pipeline/prefetch.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <exception>
#include <map>
#include <memory>
#include <thread>

namespace lighteval::pipeline {
namespace {

std::string key_of(const std::string& repo, const std::string& subset, const std::string& split,
                   const std::optional<std::string>& revision) {
  return repo + '\n' + subset + '\n' + split + '\n' + (revision ? "@" + *revision : std::string());
}

struct Loaded {
  SplitRequest request;
  std::vector<Json> rows;
  std::exception_ptr error;
};

}  // namespace

std::vector<SplitRequest> splits_read_by(const tasks::TaskConfig& config, const std::vector<tasks::TaskSpec>& specs) {
  std::vector<SplitRequest> out;
  for (const auto& s : config.evaluation_splits) out.push_back({config.hf_repo, config.hf_subset, s, config.hf_revision});
  bool shots = false;
  for (const auto& spec : specs) shots = shots || spec.num_fewshot > 0;
  if (shots) {
    std::vector<std::string> pool = config.fewshot_splits();
    for (const auto& s : pool) out.push_back({config.hf_repo, config.hf_subset, s, config.hf_revision});
  }
  return out;
}

tasks::RowLoader prefetch_rows(const std::vector<SplitRequest>& requests, const tasks::RowLoader& base, int workers) {
  auto loaded = std::make_shared<std::map<std::string, Loaded>>();
  std::vector<Loaded*> todo;
  for (const auto& r : requests) {
    auto [it, inserted] = loaded->try_emplace(key_of(r.repo, r.subset, r.split, r.revision));
    if (inserted) {
      it->second.request = r;
      todo.push_back(&it->second);
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < todo.size(); i = next++) {
      Loaded& l = *todo[i];
      try {
        l.rows = base(l.request.repo, l.request.subset, l.request.split, l.request.revision);
      } catch (...) {
        l.error = std::current_exception();
      }
    }
  };
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(workers, 1)), todo.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (auto& t : threads) t.join();

  return [loaded, base](const std::string& repo, const std::string& subset, const std::string& split,
                        const std::optional<std::string>& revision) -> std::vector<Json> {
    auto it = loaded->find(key_of(repo, subset, split, revision));
    if (it == loaded->end()) return base(repo, subset, split, revision);
    if (it->second.error) std::rethrow_exception(it->second.error);
    return it->second.rows;
  };
}

}  // namespace lighteval::pipeline
