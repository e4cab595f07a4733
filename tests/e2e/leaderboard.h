// Shared by the end-to-end tests that run the Open LLM Leaderboard task file
// (examples/tasks/open_llm_leaderboard_tasks.txt): its specs and the keys and metrics lighteval
// v0.5 reports for each (research/lighteval.md §3).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "common/test_support.h"

namespace lighteval::testing {

inline std::vector<std::string> leaderboard_specs() {
  std::ifstream in(source_dir() / "examples" / "tasks" / "open_llm_leaderboard_tasks.txt");
  std::vector<std::string> specs;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') specs.push_back(line);
  return specs;
}

// "suite|task|k|t" -> "suite|task|k", the key of the results section.
inline std::string results_key(const std::string& spec) { return spec.substr(0, spec.rfind('|')); }

// "suite|task|k|t" -> "suite|task", the key of config_tasks.
inline std::string task_key(const std::string& spec) {
  const std::string k = results_key(spec);
  return k.substr(0, k.rfind('|'));
}

// v0.5's metric names for a leaderboard results key.
inline std::vector<std::string> expected_metrics(const std::string& key) {
  if (key.find("|arc:challenge|") != std::string::npos || key.find("|hellaswag|") != std::string::npos)
    return {"acc", "acc_norm"};
  if (key.find("|truthfulqa:mc|") != std::string::npos) return {"truthfulqa_mc1", "truthfulqa_mc2"};
  if (key.find("|gsm8k|") != std::string::npos) return {"qem"};
  return {"acc"};  // mmlu:* and winogrande
}

}  // namespace lighteval::testing
