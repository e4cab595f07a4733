// tasks/task_spec: the --tasks argument. A spec is "suite|task|num_fewshot|truncate_fewshot";
// the argument is a comma list of specs, a group name (custom tasks' TASKS_GROUPS), or the path of
// a task file with one spec (or comma list) per line. Unlike v0.5, blank lines and lines whose
// first non-blank character is '#' are skipped, and surrounding blanks are trimmed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lighteval::tasks {

// lighteval v0.5's DEFAULT_SUITES: only tasks of these suites can be run.
const std::vector<std::string>& default_suites();

struct TaskSpec {
  std::string suite;
  std::string task;
  int num_fewshot = 0;
  bool truncate_fewshot = false;

  std::string task_key() const { return suite + "|" + task; }  // registry and config_tasks key
  std::string key() const;  // "suite|task|k": the results key
  bool operator==(const TaskSpec&) const = default;
};

// Parses one spec; throws UsageError saying what is wrong and the expected format.
TaskSpec parse_task_spec(const std::string& spec);

// Parses the --tasks value: a group name from `groups` (the whole value, or any comma item), a
// task file path (an existing regular file), or a comma list. Exact duplicates are dropped, the
// order of first appearance is kept. Throws UsageError (empty list, malformed spec, unknown suite,
// missing file that looks like a path).
std::vector<TaskSpec> parse_task_specs(const std::string& tasks_arg,
                                       const std::map<std::string, std::string>& groups = {});

// The specs of one task ("suite|task"), as v0.5's taskinfo_selector groups them.
struct TaskSelection {
  std::string task_key;
  std::vector<TaskSpec> specs;  // distinct (num_fewshot, truncate_fewshot), order of appearance
};
// Groups by task, sorted by task key (v0.5 sorts the task names).
std::vector<TaskSelection> group_task_specs(const std::vector<TaskSpec>& specs);

}  // namespace lighteval::tasks
