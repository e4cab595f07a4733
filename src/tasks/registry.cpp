#include "tasks/registry.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "util/error.h"
#include "util/log.h"

namespace lighteval::tasks {

namespace fs = std::filesystem;

fs::path default_tasks_dir() {
  if (const char* env = std::getenv("LIGHTEVAL_TASKS_DIR"); env && *env) {
    fs::path p(env);
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      throw Error("LIGHTEVAL_TASKS_DIR=" + p.string() + " is not a directory; point it at the folder "
                  "holding the task YAML files, or unset it");
    }
    return p;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path dir = exe.parent_path();
    candidates.push_back(dir / ".." / "share" / "lighteval" / "tasks");
    candidates.push_back(dir / ".." / ".." / ".." / "tasks");  // build tree: build/src/cli/lighteval
    candidates.push_back(dir / ".." / ".." / "tasks");  // build tree: build/tests/<module>/<test>
  }
  candidates.push_back(fs::current_path(ec) / "tasks");
  for (const auto& c : candidates) {
    std::error_code e2;
    if (fs::is_regular_file(c / "leaderboard.yaml", e2)) return fs::weakly_canonical(c, e2);
  }
  throw Error("cannot find the built-in task definitions (tasks/*.yaml next to the lighteval "
              "binary, in ../share/lighteval/tasks); set LIGHTEVAL_TASKS_DIR to their folder");
}

TaskRegistry TaskRegistry::load_builtin(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error("task directory " + dir.string() + " does not exist; set LIGHTEVAL_TASKS_DIR to the "
                "folder holding the task YAML files");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("task directory " + dir.string() + " holds no *.yaml task file");
  TaskRegistry reg;
  for (const auto& f : files) reg.add_task_file(load_task_file(f), /*builtin=*/true);
  return reg;
}

void TaskRegistry::add_custom_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw UsageError("--custom_tasks " + path.string() + " is not a file; give the path of a YAML "
                     "task file (Python custom task modules are not supported)");
  }
  if (path.extension() == ".py") {
    throw UsageError("--custom_tasks " + path.string() + " is a Python module; lighteval-cpp reads "
                     "custom tasks from a YAML task file (see tasks/*.yaml for the format)");
  }
  add_task_file(load_task_file(path), /*builtin=*/false);
}

void TaskRegistry::add_task_file(const TaskFile& file, bool builtin) {
  const auto& suites = default_suites();
  for (const auto& config : file.tasks) {
    for (const auto& suite : config.suite) {
      if (std::find(suites.begin(), suites.end(), suite) == suites.end()) continue;  // a tag only
      std::string key = suite + "|" + config.name;
      auto it = tasks_.find(key);
      if (it != tasks_.end()) {
        if (builtin_[key] && !builtin) {
          log::warning("custom task {} from {} has the name of a built-in task; the built-in one is used",
                       key, config.source);
          continue;
        }
        if (builtin_[key] && builtin) {
          throw Error("built-in task " + key + " is defined twice (" + it->second.source + " and " +
                      config.source + ")");
        }
      }
      tasks_[key] = config;
      builtin_[key] = builtin;
    }
  }
  for (const auto& [name, value] : file.groups) groups_[name] = value;
}

bool TaskRegistry::contains(const std::string& suite_task) const { return tasks_.count(suite_task) > 0; }

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

const TaskConfig& TaskRegistry::get(const std::string& suite_task) const {
  auto it = tasks_.find(suite_task);
  if (it != tasks_.end()) return it->second;
  // Suggest: the same task in another suite, then the closest names.
  std::string task = suite_task.substr(suite_task.find('|') == std::string::npos ? 0 : suite_task.find('|') + 1);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& [key, cfg] : tasks_) {
    size_t d = cfg.name == task ? 0 : edit_distance(suite_task.substr(0, 64), key.substr(0, 64));
    scored.emplace_back(d, key);
  }
  std::sort(scored.begin(), scored.end());
  std::string hint;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) {
    if (scored[i].first > std::max<size_t>(4, suite_task.size() / 3)) break;
    hint += (hint.empty() ? "" : ", ") + scored[i].second;
  }
  throw UsageError("unknown task " + suite_task.substr(0, 120) +
                   (hint.empty() ? std::string("") : "; did you mean " + hint + "?") +
                   " (`lighteval tasks --list` shows every task)");
}

std::vector<std::pair<std::string, std::string>> TaskRegistry::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, cfg] : tasks_) {
    size_t bar = key.find('|');
    out.emplace_back(key.substr(0, bar), key.substr(bar + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<TaskSpec> TaskRegistry::parse_specs(const std::string& tasks_arg) const {
  std::vector<TaskSpec> specs = parse_task_specs(tasks_arg, groups_);
  for (const auto& s : specs) (void)get(s.task_key());
  return specs;
}

}  // namespace lighteval::tasks
