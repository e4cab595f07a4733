// hub: a Hugging Face Hub client compatible with Python's huggingface_hub. It resolves files of
// model and dataset repos (branches, tags, commits, refs/convert/parquet), downloads them with
// libcurl into the same cache layout Python uses (blobs/, refs/, snapshots/ with relative
// symlinks, .no_exist/), so either tool reads the other's cache, and works offline from it.
// Limits: plain HTTP(S) only (no Xet/CAS protocol: the resolve URL's redirect serves the same
// bytes); no uploads; spaces/kernels repos are not supported.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lighteval::hub {

enum class RepoType { model, dataset };

// Settings from the environment (see HubConfig::from_env for the variables read).
struct HubConfig {
  // HF_ENDPOINT, HF_HOME, HF_HUB_CACHE (or HUGGINGFACE_HUB_CACHE), HF_HUB_OFFLINE (or
  // TRANSFORMERS_OFFLINE), HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, then the file HF_TOKEN_PATH or
  // $HF_HOME/token), HF_HUB_DISABLE_IMPLICIT_TOKEN, HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT,
  // LIGHTEVAL_HUB_REF_TTL (seconds a cached branch->commit ref is trusted without asking the
  // server; default 86400, 0 = always ask), LIGHTEVAL_HUB_RETRIES, LIGHTEVAL_HUB_RETRY_BASE_MS.
  static HubConfig from_env();

  std::string endpoint = "https://huggingface.co";
  std::filesystem::path cache_dir;
  bool offline = false;
  std::optional<std::string> token;

  long metadata_timeout_s = 10;  // connect + HEAD/API timeout
  long download_timeout_s = 10;  // idle (no bytes) timeout of a GET
  // A branch/tag name whose cached ref is younger than this resolves without a network call, so
  // a second run of the same evaluation needs no network at all.
  std::chrono::seconds ref_ttl{86400};
  int max_retries = 4;  // extra attempts after a 5xx/408/429/timeout/connection error
  long retry_base_ms = 1000;  // back-off: base, 2*base, 4*base, ... (capped at 8*base)
  bool progress = true;  // a progress bar on stderr, only when stderr is a terminal
};

class HubClient {
 public:
  explicit HubClient(HubConfig cfg = HubConfig::from_env());

  const HubConfig& config() const { return cfg_; }

  // hf_hub_download: returns the path inside snapshots/{commit}/...; throws lighteval::Error
  // (a HubError subclass from hub/hub_errors.h) with one clear message.
  std::filesystem::path download_file(const std::string& repo_id, const std::string& filename, RepoType type,
                                      const std::string& revision = "main");
  // nullopt if the file does not exist in the repo (and records .no_exist like Python does).
  std::optional<std::filesystem::path> try_download_file(const std::string& repo_id, const std::string& filename,
                                                         RepoType type, const std::string& revision = "main");
  // Every file path of the repo at that revision (recursive, sorted). Offline: the files of the
  // cached snapshot.
  std::vector<std::string> list_files(const std::string& repo_id, RepoType type, const std::string& revision = "main");
  // The 40-hex commit a revision (branch, tag, commit) points to.
  std::string resolve_commit(const std::string& repo_id, RepoType type, const std::string& revision = "main");
  // Downloads the files matching any glob pattern (fnmatch, `*` crosses `/`; all files if
  // empty); returns the snapshot dir.
  std::filesystem::path snapshot_download(const std::string& repo_id, RepoType type,
                                          const std::string& revision = "main",
                                          const std::vector<std::string>& allow_patterns = {});

 private:
  struct Resolved;
  std::optional<std::filesystem::path> download_impl(const std::string& repo_id, const std::string& filename,
                                                     RepoType type, const std::string& revision, bool required);
  std::optional<std::string> cached_commit(const std::filesystem::path& storage, const std::string& revision,
                                           bool require_fresh) const;
  std::vector<std::string> fetch_tree(const std::string& repo_id, RepoType type, const std::string& commit);

  HubConfig cfg_;
};

// "models--org--name" / "datasets--org--name": the cache folder of a repo (as Python names it).
std::string repo_folder_name(const std::string& repo_id, RepoType type);
// The resolve URL of a file: {endpoint}/[datasets/]{repo}/resolve/{quoted revision}/{quoted file}.
std::string resolve_url(const std::string& endpoint, const std::string& repo_id, RepoType type,
                        const std::string& revision, const std::string& filename);
// Percent-encoding as Python's urllib.parse.quote(s, safe=safe).
std::string url_quote(const std::string& s, const std::string& safe = "/");
// True for a 40-hex lowercase commit id.
bool is_commit_hash(const std::string& s);

}  // namespace lighteval::hub
