#include "pipeline/aggregation.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace lighteval::pipeline {

Json add_averages_and_all(const Json& per_task) {
  Json out = per_task;
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  Json sums = Json::object();
  std::map<std::string, int> counts;
  for (const auto& [key, metrics] : per_task.items()) {
    size_t p1 = key.find('|');
    size_t p2 = p1 == std::string::npos ? std::string::npos : key.find('|', p1 + 1);
    if (p2 != std::string::npos && key.find('|', p2 + 1) == std::string::npos) {
      std::string suite = key.substr(0, p1);
      std::string task = key.substr(p1 + 1, p2 - p1 - 1);
      std::string fewshot = key.substr(p2 + 1);
      std::string group = suite + "|" + task.substr(0, task.find(':')) + ":_average|" + fewshot;
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == group; });
      if (it == groups.end())
        groups.push_back({group, {key}});
      else
        it->second.push_back(key);
    }
    for (const auto& [metric, value] : metrics.items()) {
      if (!value.is_number()) continue;
      double prev = sums.contains(metric) ? sums[metric].get<double>() : 0.0;
      sums[metric] = prev + value.get<double>();
      counts[metric] += 1;
    }
  }
  for (const auto& [group, members] : groups) {
    if (members.size() < 2) continue;
    Json avg = Json::object();
    for (const auto& [metric, first_value] : per_task[members.front()].items()) {
      if (!first_value.is_number()) continue;
      double sum = 0;
      int n = 0;
      for (const auto& m : members) {
        const Json& mv = per_task[m];
        if (mv.contains(metric) && mv[metric].is_number()) {
          sum += mv[metric].get<double>();
          ++n;
        }
      }
      avg[metric] = sum / n;
    }
    out[group] = avg;
  }
  Json all = Json::object();
  for (const auto& [metric, sum] : sums.items()) all[metric] = sum.get<double>() / counts[metric];
  out["all"] = all;
  return out;
}

}  // namespace lighteval::pipeline
