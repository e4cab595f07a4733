// report/results: the results file of a run (lighteval v0.5's results_{date}.json: config_general,
// results, versions, config_tasks, summary_tasks, summary_general, keys in v0.5's order), the
// Markdown table printed at the end, and the output paths. Hashes are xxh64 over our own canonical
// strings (see summary.h), so they are stable across our runs but never equal to Python's.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::report {

struct GeneralConfig {
  std::string lighteval_sha = "?";
  int num_fewshot_seeds = 1;
  int override_batch_size = -1;
  std::optional<int> max_samples;
  std::string job_id;
  double start_time = 0;  // seconds of a monotonic clock, like time.perf_counter()
  double end_time = 0;
  std::string model_name;
  std::string model_sha;
  std::string model_dtype;  // empty -> null
  std::string model_size;   // empty -> null
};

Json general_config_json(const GeneralConfig& c);

// The whole file. `results`, `versions`, `config_tasks`, `summary_tasks` are objects keyed by task
// (`suite|task|k`, `config_tasks` by `suite|task`); `summary_general` an object.
Json results_json(const GeneralConfig& general, const Json& results, const Json& versions, const Json& config_tasks,
                  const Json& summary_tasks, const Json& summary_general);

// v0.5's make_results_table over generate_final_dict: '|' in task keys becomes ':', rows in sorted
// task order, one row per metric without _stderr, "%.4f", "±" and the stderr when present;
// pytablewriter's Markdown layout (centered headers, numbers right-aligned).
std::string results_table(const Json& results, const Json& versions);

// A Markdown table in pytablewriter's layout; `right_aligned[c]` for numeric columns.
std::string markdown_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                           const std::vector<bool>& right_aligned);

// datetime.now().isoformat() with ':' replaced by '-' (e.g. 2024-09-24T15-30-35.123456; no
// fraction when the microseconds are 0, as isoformat does).
std::string date_id(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// {output_dir}/results/{model_name}/results_{date_id}.json
std::filesystem::path results_file_path(const std::filesystem::path& output_dir, const std::string& model_name,
                                        const std::string& date_id);
// {output_dir}/details/{model_name}/{date_id}/details_{task}_{date_id}.parquet
std::filesystem::path details_file_path(const std::filesystem::path& output_dir, const std::string& model_name,
                                        const std::string& date_id, const std::string& task_key);

// The results directory name v0.5 derives from a model path: a Hub id stays `org/name`, a local
// path inside a Hugging Face cache (`models--org--name/...`) becomes `org/name`, any other local
// path has '/' replaced by '_'.
std::string model_name_for_path(const std::string& pretrained, bool is_local_path);

// JSON text as v0.5 writes it: json.dumps(indent=2, ensure_ascii=False); floats in Python's repr
// form; NaN/inf as NaN/Infinity.
std::string dump_python_json(const Json& value);

}  // namespace lighteval::report
