// libFuzzer target for what users type or write about tasks: single task specs, --tasks values
// (comma lists and groups), and task YAML files (built-in and custom), then registry lookups
// with suggestions. Any exception other than lighteval::Error, or a crash, is a bug.
// The first input byte picks the parser; the rest is the text.
// fuzz-modules: tasks
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "tasks/registry.h"
#include "tasks/task_config.h"
#include "tasks/task_spec.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        (void)lighteval::tasks::parse_task_spec(text);
        break;
      case 1: {
        // No '/' so that the value never names a file outside the working directory.
        if (text.find('/') != std::string::npos) break;
        std::map<std::string, std::string> groups{{"grp", "leaderboard|gsm8k|5|0,custom|x|1|1"},
                                                  {"loop", "loop"}};
        auto specs = lighteval::tasks::parse_task_specs(text, groups);
        (void)lighteval::tasks::group_task_specs(specs);
        break;
      }
      default: {
        lighteval::tasks::TaskFile file = lighteval::tasks::parse_task_file(text, "fuzz.yaml");
        lighteval::tasks::TaskRegistry registry;
        registry.add_task_file(file, /*builtin=*/false);
        for (const auto& [suite, task] : registry.list()) (void)registry.get(suite + "|" + task);
        for (const auto& c : file.tasks) {
          (void)c.to_json();
          (void)c.key_values();
          (void)c.fewshot_splits();
        }
        try {
          (void)registry.get("custom|" + text.substr(0, 80));
        } catch (const lighteval::Error&) {
        }
        for (const auto& [name, value] : file.groups) {
          try {
            (void)registry.parse_specs(name);
          } catch (const lighteval::Error&) {
          }
        }
        break;
      }
    }
  } catch (const lighteval::Error&) {
    // A clear error is the expected outcome for bad input.
  }
  return 0;
}
