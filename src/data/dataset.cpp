// Dataset sources (Hub repo, local directory, local file) -> layout -> rows through formats.
#include "data/dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "data/layout.h"
#include "formats/rows.h"
#include "hub/hub.h"
#include "hub/hub_errors.h"
#include "util/error.h"
#include "util/log.h"

namespace lighteval::data {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read '" + p.string() + "': check that it exists and is readable");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Where the files of one dataset come from, and how to get a local path for one of them.
struct Source {
  std::string name;  // for messages
  bool single_file = false;
  fs::path local_root;  // local directory, or the single file
  // Hub
  std::optional<hub::HubClient> client;
  std::string repo_id;
  std::string commit;
  std::string revision_label;
  DatasetLayout layout;

  fs::path fetch(const std::string& rel) {
    if (single_file) return local_root;
    if (!client) return local_root / rel;
    return client->download_file(repo_id, rel, hub::RepoType::dataset, commit);
  }
};

bool looks_like_path(const std::string& s) {
  return s.rfind("/", 0) == 0 || s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0 || s.rfind("~", 0) == 0 ||
         s.find('\\') != std::string::npos || std::count(s.begin(), s.end(), '/') > 1;
}

void open_hub_revision(Source& src, const std::string& revision) {
  src.commit = src.client->resolve_commit(src.repo_id, hub::RepoType::dataset, revision);
  src.revision_label = revision;
  std::vector<std::string> files = src.client->list_files(src.repo_id, hub::RepoType::dataset, src.commit);
  std::optional<std::string> readme;
  if (std::find(files.begin(), files.end(), "README.md") != files.end()) {
    auto p = src.client->try_download_file(src.repo_id, "README.md", hub::RepoType::dataset, src.commit);
    if (p) readme = read_text(*p);
  }
  src.layout = infer_layout(files, readme);
}

Source open_source(const std::string& repo_or_path, const std::string& revision) {
  if (repo_or_path.empty()) throw UsageError("no dataset given: pass a Hub dataset id or a local path");
  Source src;
  src.name = repo_or_path;
  std::error_code ec;
  fs::path local(repo_or_path);
  if (fs::exists(local, ec)) {
    if (fs::is_directory(local, ec)) {
      src.local_root = local;
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(local, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path().lexically_relative(local).generic_string());
      }
      std::sort(files.begin(), files.end());
      std::optional<std::string> readme;
      if (fs::is_regular_file(local / "README.md", ec)) readme = read_text(local / "README.md");
      src.layout = infer_layout(files, readme);
      if (src.layout.subsets.empty())
        throw Error("the directory '" + repo_or_path + "' holds no data files (.parquet, .jsonl, .json, .csv)");
      return src;
    }
    src.single_file = true;
    src.local_root = local;
    return src;
  }
  if (looks_like_path(repo_or_path))
    throw Error("'" + repo_or_path + "' does not exist: give an existing file or directory, or a Hub dataset id");

  src.client.emplace();
  src.repo_id = repo_or_path;
  if (!revision.empty()) {
    open_hub_revision(src, revision);
  } else {
    // The parquet export first (what the dataset viewer converted, script datasets included),
    // then the main branch's own data files.
    try {
      open_hub_revision(src, "refs/convert/parquet");
    } catch (const hub::RevisionNotFoundError&) {
      log::info("data: {} has no parquet export; reading its main branch", repo_or_path);
      open_hub_revision(src, "main");
    } catch (const hub::NotCachedError&) {
      try {
        open_hub_revision(src, "main");
      } catch (const hub::NotCachedError&) {
        throw hub::NotCachedError("offline mode (HF_HUB_OFFLINE=1) and dataset '" + repo_or_path +
                                  "' is not in the cache " + src.client->config().cache_dir.string() +
                                  " (neither its refs/convert/parquet nor its main branch): run once with network "
                                  "access, or unset HF_HUB_OFFLINE");
      }
    }
  }
  if (src.layout.subsets.empty())
    throw Error("dataset '" + repo_or_path + "' (revision '" + src.revision_label +
                "') holds no data files this program reads (.parquet, .jsonl, .json, .csv)");
  return src;
}

const SubsetFiles& pick_subset(const Source& src, const std::string& subset) {
  const auto& layout = src.layout;
  if (subset.empty()) {
    if (layout.default_subset.empty())
      throw UsageError("dataset '" + src.name + "' has several subsets (" + join(layout.subset_names()) +
                       "): choose one with --subset");
    return *layout.find(layout.default_subset);
  }
  if (const auto* s = layout.find(subset)) return *s;
  throw Error("subset '" + subset + "' not found in dataset '" + src.name + "'; available subsets: " +
              join(layout.subset_names()));
}

std::vector<std::string> split_names(const SubsetFiles& s) {
  std::vector<std::string> out;
  for (const auto& sp : s.splits) out.push_back(sp.name);
  return out;
}

const SplitFiles& pick_split(const Source& src, const SubsetFiles& s, const std::string& split) {
  for (const auto& sp : s.splits)
    if (sp.name == split) {
      if (sp.files.empty())
        throw Error("split '" + split + "' of subset '" + s.name + "' of dataset '" + src.name +
                    "' matches no file: check the README's data_files patterns");
      return sp;
    }
  throw Error("split '" + split + "' not found in subset '" + s.name + "' of dataset '" + src.name +
              "'; available splits: " + join(split_names(s)));
}

void read_file_rows(const fs::path& path, const std::function<bool(const Json&)>& fn, bool& stop) {
  auto reader = formats::open_rows(path);
  Json row;
  while (!stop && reader->next(row)) {
    if (!fn(row)) stop = true;
  }
}

}  // namespace

void for_each_row(const std::string& repo_or_path, const std::string& subset, const std::string& split,
                  const std::function<bool(const Json&)>& fn, const std::string& revision) {
  Source src = open_source(repo_or_path, revision);
  bool stop = false;
  if (src.single_file) {
    read_file_rows(src.local_root, fn, stop);
    return;
  }
  const SubsetFiles& s = pick_subset(src, subset);
  const SplitFiles& sp = pick_split(src, s, split);
  // Files are fetched one at a time, so `--rows 5` of a many-shard split downloads one shard.
  for (const auto& rel : sp.files) {
    if (stop) break;
    read_file_rows(src.fetch(rel), fn, stop);
  }
}

std::vector<Json> load_split(const std::string& repo_or_path, const std::string& subset, const std::string& split,
                             const std::string& revision) {
  std::vector<Json> rows;
  for_each_row(
      repo_or_path, subset, split,
      [&rows](const Json& r) {
        rows.push_back(r);
        return true;
      },
      revision);
  return rows;
}

std::vector<std::string> list_splits(const std::string& repo_or_path, const std::string& subset,
                                     const std::string& revision) {
  Source src = open_source(repo_or_path, revision);
  if (src.single_file) return {"train"};
  return split_names(pick_subset(src, subset));
}

std::vector<std::string> list_subsets(const std::string& repo_or_path, const std::string& revision) {
  Source src = open_source(repo_or_path, revision);
  if (src.single_file) return {"default"};
  return src.layout.subset_names();
}

}  // namespace lighteval::data
