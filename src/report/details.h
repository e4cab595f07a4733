// report/details: the per-sample details of a run (lighteval v0.5's DetailsLogger): one record per
// (sample, metric category), the per-task summary (hashes, truncation and padding counts, few-shot
// counts) and the overall summary, and the details parquet files (v0.5 casts every value with
// str(), so every column is a string holding Python's repr; columns sorted by name).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/json.h"

namespace lighteval::report {

struct DetailRecord {
  std::string example;  // doc.query
  std::string instruction;
  std::string full_prompt;  // doc.ctx
  int num_effective_few_shots = 0;
  int num_asked_few_shots = 0;
  std::string predictions;  // Python repr of the predictions list (built by the pipeline)
  std::vector<std::vector<int32_t>> input_tokens;  // one list per response
  std::vector<std::vector<int32_t>> cont_tokens;
  std::vector<int> truncated;  // per response
  std::vector<int> padded;
  Json gold = Json::array();
  Json pred_logits = Json::array();
  Json choices = Json::array();
  Json gold_index = Json::array();
  Json metrics = Json::object();
  Json specifics;  // null or an object
};

// summary_tasks[task]: {hashes: {hash_examples, hash_full_prompts, hash_input_tokens,
// hash_cont_tokens}, truncated, non_truncated, padded, non_padded, effective_few_shots,
// num_truncated_few_shots}. Per-sample hashes are xxh64 of the query, of the prompt, and of the
// Python repr of the token lists; the task hash is xxh64 of the sorted sample hashes joined.
Json task_summary(const std::vector<DetailRecord>& records);
// summary_general from summary_tasks (hashes over the task hashes in sorted task order, counts summed).
Json general_summary(const Json& summary_tasks);

// Column name -> str() value for one record, columns in sorted order.
std::vector<std::pair<std::string, std::string>> detail_columns(const DetailRecord& record);

// Writes one task's details parquet (atomically, through formats/parquet_writer.h).
void write_details_parquet(const std::filesystem::path& path, const std::vector<DetailRecord>& records);

}  // namespace lighteval::report
