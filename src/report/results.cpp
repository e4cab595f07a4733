#include "report/results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

#include "report/py_repr.h"

namespace lighteval::report {

Json general_config_json(const GeneralConfig& c) {
  Json j = Json::object();
  j["lighteval_sha"] = c.lighteval_sha;
  j["num_fewshot_seeds"] = c.num_fewshot_seeds;
  j["override_batch_size"] = c.override_batch_size;
  j["max_samples"] = c.max_samples ? Json(*c.max_samples) : Json(nullptr);
  j["job_id"] = c.job_id;
  j["start_time"] = c.start_time;
  j["end_time"] = c.end_time;
  // v0.5 stores str(end - start) under this (sic) key.
  j["total_evaluation_time_secondes"] = py_float_repr(c.end_time - c.start_time);
  j["model_name"] = c.model_name;
  j["model_sha"] = c.model_sha;
  j["model_dtype"] = c.model_dtype.empty() ? Json(nullptr) : Json(c.model_dtype);
  j["model_size"] = c.model_size.empty() ? Json(nullptr) : Json(c.model_size);
  return j;
}

Json results_json(const GeneralConfig& general, const Json& results, const Json& versions, const Json& config_tasks,
                  const Json& summary_tasks, const Json& summary_general) {
  Json j = Json::object();
  j["config_general"] = general_config_json(general);
  j["results"] = results;
  j["versions"] = versions;
  j["config_tasks"] = config_tasks;
  j["summary_tasks"] = summary_tasks;
  j["summary_general"] = summary_general;
  return j;
}

namespace {

std::string replace_all(std::string s, char from, char to) {
  for (char& c : s)
    if (c == from) c = to;
  return s;
}

// Display width in code points (every value we print is narrow text).
size_t text_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string pad(const std::string& s, size_t width, char align) {
  size_t w = text_width(s);
  if (w >= width) return s;
  size_t fill = width - w;
  if (align == 'r') return std::string(fill, ' ') + s;
  if (align == 'c') return std::string(fill / 2, ' ') + s + std::string(fill - fill / 2, ' ');
  return s + std::string(fill, ' ');
}

std::string fmt4(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

double number(const Json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

}  // namespace

std::string results_table(const Json& results, const Json& versions) {
  // generate_final_dict: every task key has '|' replaced by ':' before the table is made.
  std::vector<std::pair<std::string, const Json*>> tasks;
  for (const auto& [k, v] : results.items()) tasks.emplace_back(replace_all(k, '|', ':'), &v);
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Json versions_colon = Json::object();
  for (const auto& [k, v] : versions.items()) versions_colon[replace_all(k, '|', ':')] = v;

  const std::vector<std::string> headers = {"Task", "Version", "Metric", "Value", "", "Stderr"};
  std::vector<std::vector<std::string>> rows;
  bool version_is_number = false;
  for (const auto& [task, metrics] : tasks) {
    std::string name = task;
    std::string version;
    if (versions_colon.contains(task)) {
      const Json& v = versions_colon[task];
      version = v.is_string() ? v.get<std::string>() : v.dump();
      version_is_number = version_is_number || v.is_number();
    }
    for (const auto& [m, v] : metrics->items()) {
      if (m.size() >= 7 && m.compare(m.size() - 7, 7, "_stderr") == 0) continue;
      std::string se_key = m + "_stderr";
      if (metrics->contains(se_key))
        rows.push_back({name, version, m, fmt4(number(v)), "±", fmt4(number((*metrics)[se_key]))});
      else
        rows.push_back({name, version, m, fmt4(number(v)), "", ""});
      name.clear();
      version.clear();
    }
  }
  return markdown_table(headers, rows, {false, version_is_number, false, true, false, true});
}

std::string markdown_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                           const std::vector<bool>& right_aligned) {
  // pytablewriter: numbers right-aligned, text left-aligned, headers centered, width >= 3.
  const size_t n = headers.size();
  std::vector<size_t> width(n);
  for (size_t c = 0; c < n; ++c) {
    width[c] = std::max<size_t>(3, text_width(headers[c]));
    for (const auto& r : rows) width[c] = std::max(width[c], text_width(r[c]));
  }
  std::string out = "|";
  for (size_t c = 0; c < n; ++c) out += pad(headers[c], width[c], 'c') + "|";
  out += "\n|";
  for (size_t c = 0; c < n; ++c)
    out += (right_aligned[c] ? std::string(width[c] - 1, '-') + ":" : std::string(width[c], '-')) + "|";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (size_t c = 0; c < n; ++c) out += pad(r[c], width[c], right_aligned[c] ? 'r' : 'l') + "|";
    out += "\n";
  }
  return out;
}

std::string date_id(std::chrono::system_clock::time_point now) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  localtime_r(&t, &tm);  // datetime.now() is local time
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H-%M-%S", &tm);
  std::string out = buf;
  if (micros != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
    out += frac;
  }
  return out;
}

std::filesystem::path results_file_path(const std::filesystem::path& output_dir, const std::string& model_name,
                                        const std::string& date_id) {
  return output_dir / "results" / model_name / ("results_" + date_id + ".json");
}

std::filesystem::path details_file_path(const std::filesystem::path& output_dir, const std::string& model_name,
                                        const std::string& date_id, const std::string& task_key) {
  return output_dir / "details" / model_name / date_id / ("details_" + task_key + "_" + date_id + ".parquet");
}

std::string model_name_for_path(const std::string& pretrained, bool is_local_path) {
  if (!is_local_path) return pretrained;
  size_t pos = pretrained.find("models--");
  if (pos != std::string::npos) {
    std::string rest = pretrained.substr(pos + 8);
    size_t slash = rest.find('/');
    if (slash != std::string::npos) rest = rest.substr(0, slash);
    size_t sep = rest.find("--");
    if (sep != std::string::npos) return rest.substr(0, sep) + "/" + rest.substr(sep + 2);
    return rest;
  }
  std::string out = pretrained;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return replace_all(out, '/', '_');
}

namespace {

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void dump_value(const Json& v, int depth, std::string& out) {
  const std::string indent(static_cast<size_t>(2 * (depth + 1)), ' ');
  const std::string closing(static_cast<size_t>(2 * depth), ' ');
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      break;
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d > 0 ? "Infinity" : "-Infinity";
      else
        out += py_float_repr(d);
      break;
    }
    case Json::value_t::string:
      dump_string(v.get_ref<const std::string&>(), out);
      break;
    case Json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        break;
      }
      out += "[\n";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ",\n";
        first = false;
        out += indent;
        dump_value(e, depth + 1, out);
      }
      out += "\n" + closing + "]";
      break;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        break;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ",\n";
        first = false;
        out += indent;
        dump_string(k, out);
        out += ": ";
        dump_value(e, depth + 1, out);
      }
      out += "\n" + closing + "}";
      break;
    }
    default:
      out += "null";
  }
}

}  // namespace

std::string dump_python_json(const Json& value) {
  std::string out;
  dump_value(value, 0, out);
  return out;
}

}  // namespace lighteval::report
