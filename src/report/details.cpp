#include "report/details.h"

#include <algorithm>
#include <numeric>

#include "report/py_repr.h"
#include "report/xxhash64.h"
#include "util/error.h"

#include "formats/parquet_writer.h"

namespace lighteval::report {
namespace {

std::string tokens_repr(const std::vector<std::vector<int32_t>>& lists) {
  std::string out = "[";
  for (size_t i = 0; i < lists.size(); ++i) {
    if (i) out += ", ";
    out += "[";
    for (size_t j = 0; j < lists[i].size(); ++j) {
      if (j) out += ", ";
      out += std::to_string(lists[i][j]);
    }
    out += "]";
  }
  return out + "]";
}

std::string ints_repr(const std::vector<int>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(v[i]);
  }
  return out + "]";
}

std::string hash_of_sorted(std::vector<std::string> hashes) {
  std::sort(hashes.begin(), hashes.end());
  std::string joined;
  for (const auto& h : hashes) joined += h;
  return xxhash64_hex(joined);
}

}  // namespace

Json task_summary(const std::vector<DetailRecord>& records) {
  std::vector<std::string> examples, prompts, inputs, conts;
  int64_t truncated = 0, padded = 0, non_padded = 0, truncated_few_shots = 0;
  double few_shots_sum = 0;
  for (const auto& r : records) {
    examples.push_back(xxhash64_hex(r.example));
    prompts.push_back(xxhash64_hex(r.full_prompt));
    inputs.push_back(xxhash64_hex(tokens_repr(r.input_tokens)));
    conts.push_back(xxhash64_hex(tokens_repr(r.cont_tokens)));
    for (int t : r.truncated) truncated += t > 0;
    for (int p : r.padded) {
      padded += p > 0;
      non_padded += p == 0;
    }
    few_shots_sum += r.num_effective_few_shots;
    truncated_few_shots += r.num_effective_few_shots != r.num_asked_few_shots;
  }
  Json j = Json::object();
  j["hashes"] = Json::object();
  j["hashes"]["hash_examples"] = hash_of_sorted(examples);
  j["hashes"]["hash_full_prompts"] = hash_of_sorted(prompts);
  j["hashes"]["hash_input_tokens"] = hash_of_sorted(inputs);
  j["hashes"]["hash_cont_tokens"] = hash_of_sorted(conts);
  j["truncated"] = truncated;
  // v0.5 subtracts truncated *requests* from the number of records (it can go negative).
  j["non_truncated"] = static_cast<int64_t>(records.size()) - truncated;
  j["padded"] = padded;
  j["non_padded"] = non_padded;
  j["effective_few_shots"] = records.empty() ? 0.0 : few_shots_sum / static_cast<double>(records.size());
  j["num_truncated_few_shots"] = truncated_few_shots;
  return j;
}

Json general_summary(const Json& summary_tasks) {
  std::vector<std::string> names;
  for (const auto& [k, _] : summary_tasks.items()) names.push_back(k);
  std::sort(names.begin(), names.end());
  Json j = Json::object();
  j["hashes"] = Json::object();
  for (const char* h : {"hash_examples", "hash_full_prompts", "hash_input_tokens", "hash_cont_tokens"}) {
    std::string joined;
    for (const auto& n : names) joined += summary_tasks[n]["hashes"][h].get<std::string>();
    if (!names.empty()) j["hashes"][h] = xxhash64_hex(joined);
  }
  int64_t truncated = 0, non_truncated = 0, padded = 0, non_padded = 0, few = 0;
  for (const auto& n : names) {
    const Json& t = summary_tasks[n];
    truncated += t["truncated"].get<int64_t>();
    non_truncated += t["non_truncated"].get<int64_t>();
    padded += t["padded"].get<int64_t>();
    non_padded += t["non_padded"].get<int64_t>();
    few += t["num_truncated_few_shots"].get<int64_t>();
  }
  j["truncated"] = truncated;
  j["non_truncated"] = non_truncated;
  j["padded"] = padded;
  j["non_padded"] = non_padded;
  j["num_truncated_few_shots"] = few;
  return j;
}

std::vector<std::pair<std::string, std::string>> detail_columns(const DetailRecord& r) {
  // Sorted by name, as v0.5's select_columns(sorted(column_names)).
  return {
      {"choices", py_repr(r.choices)},
      {"cont_tokens", tokens_repr(r.cont_tokens)},
      {"example", r.example},
      {"full_prompt", r.full_prompt},
      {"gold", py_repr(r.gold)},
      {"gold_index", py_repr(r.gold_index)},
      {"input_tokens", tokens_repr(r.input_tokens)},
      {"instruction", r.instruction},
      {"metrics", py_repr(r.metrics)},
      {"num_asked_few_shots", std::to_string(r.num_asked_few_shots)},
      {"num_effective_few_shots", std::to_string(r.num_effective_few_shots)},
      {"padded", ints_repr(r.padded)},
      {"pred_logits", py_repr(r.pred_logits)},
      {"predictions", r.predictions},
      {"specifics", py_repr(r.specifics)},
      {"truncated", ints_repr(r.truncated)},
  };
}

void write_details_parquet(const std::filesystem::path& path, const std::vector<DetailRecord>& records) {
  std::vector<formats::ParquetColumn> columns;
  for (size_t i = 0; i < records.size(); ++i) {
    auto cols = detail_columns(records[i]);
    if (columns.empty()) {
      for (auto& [name, _] : cols) {
        formats::ParquetColumn c;
        c.name = name;
        c.type = formats::ParquetColumn::Type::string;
        columns.push_back(std::move(c));
      }
    }
    for (size_t c = 0; c < cols.size(); ++c) columns[c].values.emplace_back(std::move(cols[c].second));
  }
  if (columns.empty()) {
    for (auto& [name, _] : detail_columns(DetailRecord{})) {
      formats::ParquetColumn c;
      c.name = name;
      c.type = formats::ParquetColumn::Type::string;
      columns.push_back(std::move(c));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message() + "; check --output_dir");
  formats::write_parquet(path, columns);
}

}  // namespace lighteval::report
