// tasks/registry: every runnable task, "suite|task" -> TaskConfig. Built-ins come from the YAML
// files of a tasks directory; custom task files (--custom_tasks) add theirs and their groups. As
// in v0.5 a config is registered once per suite of its `suite` list that is a default suite, and a
// built-in wins over a custom task of the same name (with a warning).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tasks/task_config.h"
#include "tasks/task_spec.h"

namespace lighteval::tasks {

// Where the built-in task YAML files are: $LIGHTEVAL_TASKS_DIR, else <exe_dir>/../share/lighteval/
// tasks (installed), else <exe_dir>/../../../tasks (the build tree), else ./tasks. Throws Error
// when none exists.
std::filesystem::path default_tasks_dir();

class TaskRegistry {
 public:
  TaskRegistry() = default;
  // Loads every *.yaml file of `dir` (sorted by name). Throws Error on a bad file.
  static TaskRegistry load_builtin(const std::filesystem::path& dir);
  static TaskRegistry load_builtin() { return load_builtin(default_tasks_dir()); }

  // Adds a custom task file's tasks and groups.
  void add_custom_file(const std::filesystem::path& path);
  void add_task_file(const TaskFile& file, bool builtin);

  bool contains(const std::string& suite_task) const;
  // Throws UsageError for an unknown suite or task, suggesting close names.
  const TaskConfig& get(const std::string& suite_task) const;
  // (suite, task) pairs, sorted.
  std::vector<std::pair<std::string, std::string>> list() const;
  const std::map<std::string, std::string>& groups() const { return groups_; }

  // parse_task_specs with this registry's groups, then checks that every task exists.
  std::vector<TaskSpec> parse_specs(const std::string& tasks_arg) const;

 private:
  std::map<std::string, TaskConfig> tasks_;  // "suite|task"
  std::map<std::string, bool> builtin_;
  std::map<std::string, std::string> groups_;
};

}  // namespace lighteval::tasks
