#include "tasks/task_spec.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace lighteval::tasks {

namespace {

constexpr const char* kFormat = "the format is suite|task|num_fewshot|truncate_fewshot, e.g. "
                                "\"leaderboard|arc:challenge|25|0\"";

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// A printable excerpt of user input for messages (bounded, control characters escaped).
std::string show(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 120)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 120) out += "...";
  return "\"" + out + "\"";
}

bool parse_int(const std::string& s, int& value) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, value);
  return ec == std::errc() && p == e && b != e;
}

bool looks_like_path(const std::string& s) {
  if (s.find('|') != std::string::npos || s.find(',') != std::string::npos) return false;
  return s.find('/') != std::string::npos || s.find('.') != std::string::npos;
}

}  // namespace

const std::vector<std::string>& default_suites() {
  static const std::vector<std::string> suites{"helm",     "bigbench", "harness",
                                               "leaderboard", "lighteval", "original",
                                               "extended", "custom",   "community"};
  return suites;
}

std::string TaskSpec::key() const { return task_key() + "|" + std::to_string(num_fewshot); }

TaskSpec parse_task_spec(const std::string& raw) {
  std::string spec = trim(raw);
  if (spec.empty()) throw UsageError("empty task spec in --tasks; " + std::string(kFormat));
  std::vector<std::string> parts = split(spec, '|');
  if (parts.size() != 4) {
    throw UsageError("cannot read task spec " + show(spec) + ": it has " +
                     std::to_string(parts.size()) + " '|'-separated part" +
                     (parts.size() == 1 ? "" : "s") + ", expected 4; " + kFormat);
  }
  for (auto& p : parts) p = trim(p);
  TaskSpec t;
  t.suite = parts[0];
  t.task = parts[1];
  if (t.suite.empty()) throw UsageError("task spec " + show(spec) + " has an empty suite; " + kFormat);
  if (t.task.empty()) throw UsageError("task spec " + show(spec) + " has an empty task name; " + kFormat);
  const auto& suites = default_suites();
  if (std::find(suites.begin(), suites.end(), t.suite) == suites.end()) {
    std::string known;
    for (const auto& s : suites) known += (known.empty() ? "" : ", ") + s;
    throw UsageError("unknown suite " + show(t.suite) + " in task spec " + show(spec) +
                     "; known suites: " + known);
  }
  if (!parse_int(parts[2], t.num_fewshot) || t.num_fewshot < 0) {
    throw UsageError("task spec " + show(spec) + ": num_fewshot " + show(parts[2]) +
                     " must be a non-negative integer; " + kFormat);
  }
  int truncate = 0;
  if (!parse_int(parts[3], truncate) || (truncate != 0 && truncate != 1)) {
    throw UsageError("task spec " + show(spec) + ": truncate_fewshot " + show(parts[3]) +
                     " must be 0 or 1; " + kFormat);
  }
  t.truncate_fewshot = truncate == 1;
  return t;
}

namespace {

void append_items(const std::string& list, const std::map<std::string, std::string>& groups,
                  std::vector<std::string>& out, int depth) {
  for (const std::string& item_raw : split(list, ',')) {
    std::string item = trim(item_raw);
    auto g = groups.find(item);
    if (g != groups.end()) {
      if (depth > 8) throw UsageError("task group " + show(item) + " refers to itself in a loop");
      append_items(g->second, groups, out, depth + 1);
    } else {
      out.push_back(item);
    }
  }
}

}  // namespace

std::vector<TaskSpec> parse_task_specs(const std::string& tasks_arg,
                                       const std::map<std::string, std::string>& groups) {
  std::string arg = trim(tasks_arg);
  if (arg.empty()) throw UsageError("--tasks is empty; give task specs (" + std::string(kFormat) +
                                    "), a task file, or a group name");
  std::vector<std::string> items;
  std::error_code ec;
  bool is_file = groups.find(arg) == groups.end() &&
                 std::filesystem::is_regular_file(std::filesystem::path(arg), ec);
  if (is_file) {
    std::ifstream in(arg, std::ios::binary);
    if (!in) throw UsageError("cannot read task file " + show(arg) + "; check its permissions");
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      std::vector<std::string> line_items;
      append_items(t, groups, line_items, 0);
      for (const auto& it : line_items) {
        try {
          (void)parse_task_spec(it);
        } catch (const UsageError& e) {
          throw UsageError("task file " + show(arg) + " line " + std::to_string(line_no) + ": " + e.what());
        }
        items.push_back(it);
      }
    }
    if (items.empty()) {
      throw UsageError("task file " + show(arg) + " holds no task spec (only blank or '#' lines); "
                       "write one spec per line, " + std::string(kFormat));
    }
  } else {
    if (looks_like_path(arg) && groups.find(arg) == groups.end()) {
      throw UsageError("--tasks " + show(arg) + " is neither a task spec nor an existing task file; "
                       "check the path, or " + std::string(kFormat));
    }
    append_items(arg, groups, items, 0);
  }
  std::vector<TaskSpec> specs;
  for (const auto& it : items) {
    TaskSpec s = parse_task_spec(it);
    if (std::find(specs.begin(), specs.end(), s) != specs.end()) continue;
    for (const auto& other : specs) {
      if (other.task_key() == s.task_key() && other.num_fewshot == s.num_fewshot) {
        // Both would be reported under the same results key suite|task|k.
        throw UsageError("task " + show(s.task_key()) + " is asked with " +
                         std::to_string(s.num_fewshot) +
                         " shots both with and without few-shot truncation; keep one of the two");
      }
    }
    specs.push_back(s);
  }
  return specs;
}

std::vector<TaskSelection> group_task_specs(const std::vector<TaskSpec>& specs) {
  std::map<std::string, TaskSelection> by_task;
  for (const auto& s : specs) {
    TaskSelection& sel = by_task[s.task_key()];
    sel.task_key = s.task_key();
    if (std::find(sel.specs.begin(), sel.specs.end(), s) == sel.specs.end()) sel.specs.push_back(s);
  }
  std::vector<TaskSelection> out;
  for (auto& [k, v] : by_task) out.push_back(std::move(v));
  return out;
}

}  // namespace lighteval::tasks
