#include "data/layout.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <limits>
#include <map>
#include <regex>
#include <set>

#include "data/glob.h"
#include "util/error.h"

namespace lighteval::data {
namespace {

const std::set<std::string> kIgnoredNames = {"README.md", "config.json", "dataset_info.json", "dataset_infos.json",
                                             "dummy_data.zip", "dataset_dict.json", ".gitattributes"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The builder family of a data file, or "" for files we do not read.
std::string family(const std::string& path) {
  if (ends_with(path, ".parquet")) return "parquet";
  if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json") ||
      ends_with(path, ".jsonl.gz"))
    return "json";
  if (ends_with(path, ".csv")) return "csv";
  return "";
}

// Hidden (".x") and private ("__x") path components are skipped, as datasets does.
bool visible(const std::string& path) {
  size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.rfind(".", 0) == 0 || part.rfind("__", 0) == 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

std::string basename(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

int split_rank(const std::string& s) {
  if (s == "train") return 0;
  if (s == "validation") return 1;
  if (s == "test") return 2;
  return 3;
}

void sort_splits(std::vector<SplitFiles>& splits) {
  std::stable_sort(splits.begin(), splits.end(), [](const SplitFiles& a, const SplitFiles& b) {
    int ra = split_rank(a.name), rb = split_rank(b.name);
    return ra != rb ? ra < rb : (ra == 3 && a.name < b.name);
  });
}

// Candidate data files: visible, not metadata, of the most frequent readable family (ties prefer
// parquet, then json, then csv).
std::vector<std::string> data_files(const std::vector<std::string>& files) {
  std::map<std::string, int> counts;
  for (const auto& f : files)
    if (visible(f) && !kIgnoredNames.count(basename(f)) && !family(f).empty()) counts[family(f)]++;
  std::string best;
  for (const char* fam : {"parquet", "json", "csv"})
    if (counts.count(fam) && (best.empty() || counts[fam] > counts[best])) best = fam;
  std::vector<std::string> out;
  for (const auto& f : files)
    if (visible(f) && !kIgnoredNames.count(basename(f)) && family(f) == best) out.push_back(f);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- parquet export ------------------------------------------------------------------------

bool parquet_export_layout(const std::vector<std::string>& files, DatasetLayout& out) {
  static const std::regex re(R"(^([^/]+)/([^/]+)/([0-9]{4})\.parquet$)");
  static const std::regex part_re(R"(^(.+)-part([0-9]+)$)");
  // config -> logical split -> [(part index, shard, path)]
  std::map<std::string, std::map<std::string, std::vector<std::tuple<int, int, std::string>>>> found;
  std::vector<std::string> config_order;
  size_t n = 0;
  for (const auto& f : files) {
    if (kIgnoredNames.count(basename(f)) || !visible(f)) continue;
    std::smatch m;
    if (!std::regex_match(f, m, re)) return false;
    std::string config = m[1], dir = m[2];
    int shard = std::stoi(m[3]);
    int part = 0;
    std::string split = dir;
    if (split.rfind("partial-", 0) == 0) split = split.substr(8);
    std::smatch pm;
    if (std::regex_match(split, pm, part_re)) {
      // Both groups are read before `split` is reassigned: pm points into its buffer. A part number
      // past int's range sorts last instead of escaping as std::out_of_range.
      std::string base = pm[1], digits = pm[2];
      split = std::move(base);
      part = digits.size() > 9 ? std::numeric_limits<int>::max() : std::stoi(digits);
    }
    if (!found.count(config)) config_order.push_back(config);
    found[config][split].emplace_back(part, shard, f);
    ++n;
  }
  if (n == 0) return false;
  out.kind = DatasetLayout::Kind::parquet_export;
  for (const auto& config : config_order) {
    SubsetFiles s{config, {}};
    for (auto& [split, shards] : found[config]) {
      std::sort(shards.begin(), shards.end());
      SplitFiles sf{split, {}};
      for (const auto& t : shards) sf.files.push_back(std::get<2>(t));
      s.splits.push_back(sf);
    }
    sort_splits(s.splits);
    out.subsets.push_back(s);
  }
  std::sort(out.subsets.begin(), out.subsets.end(),
            [](const SubsetFiles& a, const SubsetFiles& b) { return a.name < b.name; });
  if (out.subsets.size() == 1) out.default_subset = out.subsets[0].name;
  else if (out.find("default")) out.default_subset = "default";
  return true;
}

// ---- default split patterns (datasets' _get_data_files_patterns) -----------------------------

const std::vector<std::pair<std::string, std::vector<std::string>>> kKeywords = {
    {"train", {"train", "training"}},
    {"validation", {"validation", "valid", "dev", "val"}},
    {"test", {"test", "testing", "eval", "evaluation"}}};

std::vector<SplitFiles> infer_splits(const std::vector<std::string>& files) {
  std::vector<SplitFiles> out;
  // 1. push_to_hub's sharded names: data/{split}-00000-of-00003.parquet
  static const std::regex sharded(R"(^data/(\w+)-[0-9]{5}-of-[0-9]{5}[^/]*$)");
  std::map<std::string, std::vector<std::string>> by_split;
  for (const auto& f : files) {
    std::smatch m;
    if (std::regex_match(f, m, sharded)) by_split[m[1]].push_back(f);
  }
  if (by_split.empty()) {
    // 3. a split keyword in a directory name, then 4. in a file name. Separators: [-._ 0-9].
    const std::string sep = "[-._ 0-9]";
    for (int rule = 0; rule < 2 && by_split.empty(); ++rule) {
      for (const auto& [split, kws] : kKeywords) {
        for (const auto& kw : kws) {
          std::vector<std::string> pats;
          if (rule == 0) {
            pats = {"**/" + kw + "/**", "**/" + kw + sep + "*/**", "**/*" + sep + kw + "/**",
                    "**/*" + sep + kw + sep + "*/**"};
          } else {
            pats = {"**/" + kw + sep + "*", "**/*" + sep + kw + sep + "*"};
          }
          for (const auto& f : files) {
            bool hit = false;
            for (const auto& p : pats) hit = hit || glob_match(p, f);
            auto& v = by_split[split];
            if (hit && std::find(v.begin(), v.end(), f) == v.end()) v.push_back(f);
          }
        }
        if (by_split[split].empty()) by_split.erase(split);
      }
    }
  }
  // 5. everything is train.
  if (by_split.empty() && !files.empty()) by_split["train"] = files;
  for (auto& [split, fs] : by_split) {
    std::sort(fs.begin(), fs.end());
    out.push_back({split, fs});
  }
  sort_splits(out);
  return out;
}

// ---- README configs -------------------------------------------------------------------------

std::optional<YAML::Node> front_matter(const std::string& readme) {
  std::string text = readme;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text = text.substr(3);
  if (text.rfind("---", 0) != 0) return std::nullopt;
  auto first_nl = text.find('\n');
  if (first_nl == std::string::npos) return std::nullopt;
  size_t pos = first_nl + 1;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "---") {
      try {
        return YAML::Load(text.substr(first_nl + 1, pos - first_nl - 1));
      } catch (const YAML::Exception& e) {
        throw Error("the dataset's README.md has a malformed YAML header (" + std::string(e.what()) +
                    "): fix the `configs:` block");
      }
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return std::nullopt;
}

std::vector<std::string> as_strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsScalar()) out.push_back(n.as<std::string>());
  if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.as<std::string>());
  return out;
}

std::string join_path(const std::string& dir, const std::string& pattern) {
  if (dir.empty() || dir == ".") return pattern;
  std::string d = dir;
  while (!d.empty() && d.back() == '/') d.pop_back();
  return d + "/" + pattern;
}

bool readme_configs_layout(const YAML::Node& root, const std::vector<std::string>& all_files, DatasetLayout& out) {
  if (!root.IsMap() || !root["configs"] || !root["configs"].IsSequence()) return false;
  std::vector<std::string> files;
  for (const auto& f : all_files)
    if (visible(f) && !kIgnoredNames.count(basename(f))) files.push_back(f);
  out.kind = DatasetLayout::Kind::readme_configs;
  for (const auto& c : root["configs"]) {
    if (!c.IsMap() || !c["config_name"] || !c["config_name"].IsScalar())
      throw Error("the dataset's README.md lists a config without `config_name`: fix its `configs:` block");
    SubsetFiles s{c["config_name"].as<std::string>(), {}};
    std::string data_dir = c["data_dir"] && c["data_dir"].IsScalar() ? c["data_dir"].as<std::string>() : "";
    if (c["default"] && c["default"].IsScalar() && c["default"].as<std::string>() == "true") out.default_subset = s.name;
    const YAML::Node df = c["data_files"];
    std::vector<std::pair<std::string, std::vector<std::string>>> split_patterns;
    if (df && (df.IsScalar() || (df.IsSequence() && df.size() > 0 && df[0].IsScalar()))) {
      split_patterns.push_back({"train", as_strings(df)});
    } else if (df && df.IsSequence()) {
      for (const auto& e : df) {
        if (!e.IsMap() || !e["split"] || !e["path"])
          throw Error("the dataset's README.md config '" + s.name +
                      "' has a data_files entry without `split` and `path`");
        split_patterns.push_back({e["split"].as<std::string>(), as_strings(e["path"])});
      }
    } else if (df && df.IsMap()) {  // {split: pattern(s)}, an older spelling
      for (const auto& kv : df) split_patterns.push_back({kv.first.as<std::string>(), as_strings(kv.second)});
    }
    if (split_patterns.empty()) {
      // No data_files: the default patterns under data_dir.
      std::vector<std::string> under;
      std::string prefix = data_dir.empty() ? "" : join_path(data_dir, "");
      for (const auto& f : files)
        if (f.compare(0, prefix.size(), prefix) == 0) under.push_back(f.substr(prefix.size()));
      for (auto& sp : infer_splits(data_files(under))) {
        for (auto& f : sp.files) f = prefix + f;
        s.splits.push_back(sp);
      }
    } else {
      for (const auto& [split, pats] : split_patterns) {
        SplitFiles sf{split, {}};
        for (const auto& p : pats) {
          std::string full = join_path(data_dir, p);
          std::vector<std::string> hits;
          for (const auto& f : files)
            if (glob_match(full, f)) hits.push_back(f);
          std::sort(hits.begin(), hits.end());
          for (auto& h : hits)
            if (std::find(sf.files.begin(), sf.files.end(), h) == sf.files.end()) sf.files.push_back(h);
        }
        // Explicit capture: clang before 16 cannot capture a structured binding (fuzz builds use clang).
        auto existing = std::find_if(s.splits.begin(), s.splits.end(), [&, &split = split](const SplitFiles& x) { return x.name == split; });
        if (existing != s.splits.end()) existing->files.insert(existing->files.end(), sf.files.begin(), sf.files.end());
        else s.splits.push_back(sf);
      }
    }
    out.subsets.push_back(s);
  }
  if (out.subsets.empty()) return false;
  if (out.default_subset.empty()) {
    if (out.find("default")) out.default_subset = "default";
    else if (out.subsets.size() == 1) out.default_subset = out.subsets[0].name;
  }
  return true;
}

}  // namespace

const SubsetFiles* DatasetLayout::find(const std::string& name) const {
  for (const auto& s : subsets)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> DatasetLayout::subset_names() const {
  std::vector<std::string> out;
  for (const auto& s : subsets) out.push_back(s.name);
  return out;
}

DatasetLayout infer_layout(const std::vector<std::string>& files, const std::optional<std::string>& readme) {
  DatasetLayout out;
  if (readme) {
    try {
      if (auto yaml = front_matter(*readme); yaml && readme_configs_layout(*yaml, files, out)) return out;
    } catch (const YAML::Exception& e) {
      // A key of the wrong shape (a map where a string belongs, ...).
      throw Error("the dataset's README.md has an unusable `configs:` block (" + std::string(e.what()) +
                  "): fix it or remove it");
    }
  }
  out = DatasetLayout{};
  if (parquet_export_layout(files, out)) return out;
  out = DatasetLayout{};
  auto splits = infer_splits(data_files(files));
  if (!splits.empty()) {
    out.subsets.push_back({"default", splits});
    out.default_subset = "default";
  }
  return out;
}

}  // namespace lighteval::data
