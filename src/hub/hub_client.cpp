// HubClient: hf_hub_download / snapshot_download / repo listing, following huggingface_hub's
// algorithm (research notes §1-2): cache first for commits, HEAD for metadata, blobs named by
// etag, refs updated, relative symlinks, .no_exist markers, cache fall-back when the network fails.
#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "hub/cache.h"
#include "hub/http.h"
#include "hub/hub.h"
#include "hub/hub_errors.h"
#include "hub/status.h"
#include "util/json.h"
#include "util/log.h"

namespace lighteval::hub {
namespace fs = std::filesystem;
namespace {

struct FileMetadata {
  std::string commit;
  std::string etag;
  std::optional<std::uint64_t> size;
  std::string location;  // where the bytes are (the resolve URL or an absolute CDN redirect)
};

std::string normalize_etag(std::string e) {
  if (e.rfind("W/", 0) == 0) e = e.substr(2);
  e.erase(std::remove(e.begin(), e.end(), '"'), e.end());
  return e;
}

std::string type_plural(RepoType t) { return t == RepoType::dataset ? "datasets" : "models"; }

void validate_filename(const std::string& f) {
  if (f.empty() || f[0] == '/' || f.find('\\') != std::string::npos)
    throw UsageError("invalid file name '" + f + "': expected a path relative to the repo root");
  for (const auto& part : fs::path(f)) {
    if (part == "..") throw UsageError("invalid file name '" + f + "': '..' is not allowed");
  }
}

void validate_repo_id(const std::string& repo_id) {
  bool ok = !repo_id.empty() && repo_id.size() <= 96 && repo_id.front() != '/' && repo_id.back() != '/' &&
            std::count(repo_id.begin(), repo_id.end(), '/') <= 1 && repo_id.find("..") == std::string::npos &&
            repo_id.find("--") == std::string::npos;
  for (unsigned char c : repo_id)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/')) ok = false;
  if (!ok)
    throw UsageError("invalid repo id '" + repo_id +
                     "': expected 'name' or 'namespace/name' (letters, digits, '-', '_', '.')");
}

std::optional<std::uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    return static_cast<std::uint64_t>(std::stoull(s));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The Link header's rel="next" URL, if any.
std::string next_link(const std::string& link) {
  size_t pos = 0;
  while (pos < link.size()) {
    auto lt = link.find('<', pos);
    auto gt = link.find('>', lt);
    if (lt == std::string::npos || gt == std::string::npos) break;
    auto end = link.find(',', gt);
    std::string params = link.substr(gt + 1, end == std::string::npos ? std::string::npos : end - gt - 1);
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
      return link.substr(lt + 1, gt - lt - 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

std::string join_url(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  auto scheme = base.find("://");
  auto path_start = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
  if (!location.empty() && location[0] == '/') return origin + location;
  auto last = base.rfind('/');
  return base.substr(0, last + 1) + location;
}

}  // namespace

HubClient::HubClient(HubConfig cfg) : cfg_(std::move(cfg)) {
  while (!cfg_.endpoint.empty() && cfg_.endpoint.back() == '/') cfg_.endpoint.pop_back();
}

namespace {

// Performs a request with the auth header and bounded retries with back-off on 5xx, 408, 429,
// timeouts and connection errors. `first` is an already-made first attempt, if any.
http::Response with_retries(const HubConfig& cfg, const http::Request& req, RequestContext& ctx,
                            std::optional<http::Response> first = std::nullopt) {
  http::Response r = first ? std::move(*first) : http::perform(req);
  ctx.attempts = 1;
  for (int attempt = 0; attempt < cfg.max_retries && is_retryable(r); ++attempt) {
    long wait_ms = std::min(cfg.retry_base_ms << attempt, cfg.retry_base_ms * 8);
    if (auto ra = parse_size(r.header("retry-after"))) wait_ms = std::min<long>(static_cast<long>(*ra) * 1000, 60000);
    log::info("hub: {} {} failed ({}), retrying in {} ms", req.method, req.url,
              r.status ? "HTTP " + std::to_string(r.status) : r.transport_error, wait_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    r = http::perform(req);
    ctx.attempts++;
  }
  return r;
}

http::Request make_request(const HubConfig& cfg, const std::string& method, const std::string& url,
                           bool follow) {
  http::Request req;
  req.method = method;
  req.url = url;
  req.follow_redirects = follow;
  req.connect_timeout_s = cfg.metadata_timeout_s;
  req.idle_timeout_s = cfg.metadata_timeout_s;
  req.total_timeout_s = method == "HEAD" ? cfg.metadata_timeout_s * 3 : 0;
  // Never send the token to another host (signed CDN URLs); curl also drops it on redirects.
  if (cfg.token && http::url_host(url) == http::url_host(cfg.endpoint))
    req.headers.push_back("Authorization: Bearer " + *cfg.token);
  return req;
}

// HEAD without following absolute redirects; relative ones (renamed repos) are followed.
http::Response head_once(const HubConfig& cfg, const std::string& url) {
  std::string current = url;
  http::Response r;
  for (int hop = 0; hop < 10; ++hop) {
    r = http::perform(make_request(cfg, "HEAD", current, false));
    if (r.status >= 300 && r.status < 400) {
      std::string loc = r.header("location");
      if (!loc.empty() && loc.find("://") == std::string::npos) {
        current = join_url(current, loc);
        continue;
      }
    }
    break;
  }
  r.effective_url = current;
  return r;
}

}  // namespace

std::optional<std::string> HubClient::cached_commit(const fs::path& storage, const std::string& revision,
                                                    bool require_fresh) const {
  if (is_commit_hash(revision)) return revision;
  auto ref = cache::read_ref(storage, revision);
  if (!ref) return std::nullopt;
  if (require_fresh) {
    auto age = cache::ref_age(storage, revision);
    if (cfg_.ref_ttl.count() <= 0 || !age || *age > cfg_.ref_ttl || age->count() < -60) return std::nullopt;
  }
  return ref;
}

std::optional<fs::path> HubClient::download_impl(const std::string& repo_id, const std::string& filename,
                                                 RepoType type, const std::string& revision, bool required) {
  validate_repo_id(repo_id);
  validate_filename(filename);
  const std::string rev = revision.empty() ? "main" : revision;
  const fs::path storage = cfg_.cache_dir / repo_folder_name(repo_id, type);
  const std::string what = "'" + filename + "' of " + describe_repo(repo_id, type) + " (revision '" + rev + "')";
  std::error_code ec;

  auto from_cache = [&](const std::string& commit) -> std::optional<fs::path> {
    fs::path p = storage / "snapshots" / commit / filename;
    if (fs::is_regular_file(p, ec)) return p;
    return std::nullopt;
  };
  auto missing = [&](const std::string& commit) -> std::optional<fs::path> {
    if (required)
      throw EntryNotFoundError("file '" + filename + "' not found in " + describe_repo(repo_id, type) +
                               " at revision '" + rev + "'");
    (void)commit;
    return std::nullopt;
  };

  // 1. Cache first: commits always, branch names while their ref is fresh, everything offline.
  if (auto commit = cached_commit(storage, rev, !cfg_.offline)) {
    if (auto p = from_cache(*commit)) return p;
    if (cache::is_no_exist(storage, *commit, filename)) return missing(*commit);
  }
  if (cfg_.offline) {
    throw NotCachedError("offline mode (HF_HUB_OFFLINE=1) and " + what + " is not in the cache " +
                         cfg_.cache_dir.string() + ": run once with network access, or unset HF_HUB_OFFLINE");
  }

  // 2. Metadata: HEAD on the resolve URL.
  const std::string url = resolve_url(cfg_.endpoint, repo_id, type, rev, filename);
  RequestContext ctx{cfg_.endpoint, repo_id, type, rev, filename, false, 1};
  http::Response head = head_once(cfg_, url);
  if (is_retryable(head)) {
    // Fall back to whatever the cache has for this revision before insisting on the network.
    if (auto commit = cached_commit(storage, rev, false)) {
      if (auto p = from_cache(*commit)) {
        log::warning("hub: cannot reach {} ({}); using the cached {}", cfg_.endpoint,
                     head.status ? "HTTP " + std::to_string(head.status) : head.transport_error, what);
        return p;
      }
    }
    std::string final_url = url;
    http::Response last = head;
    for (int attempt = 0; attempt < cfg_.max_retries && is_retryable(last); ++attempt) {
      long wait_ms = std::min(cfg_.retry_base_ms << attempt, cfg_.retry_base_ms * 8);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      last = head_once(cfg_, url);
      ctx.attempts++;
    }
    head = last;
  }
  if (head.status == 404 && head.header("x-error-code") == "EntryNotFound") {
    std::string commit = head.header("x-repo-commit");
    if (is_commit_hash(commit)) {
      cache::mark_no_exist(storage, commit, filename);
      cache::write_ref(storage, rev, commit);
    }
    return missing(commit);
  }
  if (!(head.status >= 200 && head.status < 400) || !head.transport_error.empty()) raise_for_response(head, ctx);

  FileMetadata meta;
  meta.commit = head.header("x-repo-commit");
  meta.etag = normalize_etag(head.header("x-linked-etag").empty() ? head.header("etag") : head.header("x-linked-etag"));
  meta.size = parse_size(head.header("x-linked-size"));
  if (!meta.size && head.status < 300) meta.size = parse_size(head.header("content-length"));
  meta.location = head.header("location").empty() ? head.effective_url : join_url(head.effective_url, head.header("location"));
  if (!is_commit_hash(meta.commit))
    throw HubError("the server at " + cfg_.endpoint + " did not send X-Repo-Commit for " + what +
                   ": HF_ENDPOINT must point to a Hugging Face Hub");
  if (meta.etag.empty() || meta.etag.find('/') != std::string::npos || meta.etag == "..")
    throw HubError("the server at " + cfg_.endpoint + " sent no usable ETag for " + what);

  // 3. Cache paths; refs updated even when the file is already there.
  const fs::path blob = storage / "blobs" / meta.etag;
  const fs::path pointer = storage / "snapshots" / meta.commit / filename;
  cache::ensure_cachedir_tag(cfg_.cache_dir);
  cache::write_ref(storage, rev, meta.commit);
  if (fs::is_regular_file(pointer, ec)) return pointer;

  try {
    fs::create_directories(storage / "blobs");
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot create the cache directory " + (storage / "blobs").string() + " (" + e.code().message() +
                "): set HF_HUB_CACHE or HF_HOME to a writable place");
  }
  cache::FileLock lock(cfg_.cache_dir / ".locks" / repo_folder_name(repo_id, type) / (meta.etag + ".lock"));
  if (!fs::is_regular_file(blob, ec)) {
    // 4. Download into blobs/<etag>.incomplete, resuming what an interrupted run left (same etag,
    // under the lock), then rename into place.
    fs::path incomplete = blob;
    incomplete += ".incomplete";
    http::Request req = make_request(cfg_, "GET", meta.location.empty() ? url : meta.location, true);
    req.idle_timeout_s = cfg_.download_timeout_s;
    req.total_timeout_s = 0;
    int failures = 0;
    std::uint64_t last_size = 0;
    while (true) {
      std::uint64_t have = fs::exists(incomplete, ec) ? fs::file_size(incomplete, ec) : 0;
      if (meta.size && have > *meta.size) {
        fs::remove(incomplete, ec);
        have = 0;
      }
      if (have > last_size) failures = 0;  // progress was made: the failure budget starts over
      last_size = have;
      if (meta.size && have == *meta.size && have > 0) break;
      http::Response r = http::download_to_file(req, incomplete, have, meta.size.value_or(0),
                                                 cfg_.progress ? filename : std::string());
      if (r.status == 416) {  // our partial file does not fit the object any more: start over
        fs::remove(incomplete, ec);
        if (++failures > cfg_.max_retries) raise_for_response(r, ctx);
        continue;
      }
      if (r.ok()) {
        std::uint64_t now = fs::file_size(incomplete, ec);
        if (!meta.size || now == *meta.size) break;
        r.transport_error = "got " + std::to_string(now) + " of " + std::to_string(*meta.size) + " bytes";
      }
      if (!is_retryable(r)) {
        ctx.attempts = failures + 1;
        raise_for_response(r, ctx);
      }
      if (++failures > cfg_.max_retries) {
        ctx.attempts = failures;
        throw HubNetworkError("download of " + what + " failed after " + std::to_string(failures) + " attempts (" +
                              (r.status >= 300 ? "HTTP " + std::to_string(r.status) : r.transport_error) +
                              "): run the command again to resume it");
      }
      long wait_ms = std::min(cfg_.retry_base_ms << (failures - 1), cfg_.retry_base_ms * 8);
      log::info("hub: download of {} interrupted ({}), resuming in {} ms", filename,
                r.status >= 300 ? "HTTP " + std::to_string(r.status) : r.transport_error, wait_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
    fs::rename(incomplete, blob);
  }
  cache::link_pointer(blob, pointer);
  return pointer;
}

fs::path HubClient::download_file(const std::string& repo_id, const std::string& filename, RepoType type,
                                  const std::string& revision) {
  return *download_impl(repo_id, filename, type, revision, true);
}

std::optional<fs::path> HubClient::try_download_file(const std::string& repo_id, const std::string& filename,
                                                     RepoType type, const std::string& revision) {
  return download_impl(repo_id, filename, type, revision, false);
}

std::string HubClient::resolve_commit(const std::string& repo_id, RepoType type, const std::string& revision) {
  validate_repo_id(repo_id);
  const std::string rev = revision.empty() ? "main" : revision;
  const fs::path storage = cfg_.cache_dir / repo_folder_name(repo_id, type);
  if (auto c = cached_commit(storage, rev, !cfg_.offline)) return *c;
  if (cfg_.offline)
    throw NotCachedError("offline mode (HF_HUB_OFFLINE=1) and revision '" + rev + "' of " +
                         describe_repo(repo_id, type) + " is not in the cache " + cfg_.cache_dir.string() +
                         ": run once with network access, or unset HF_HUB_OFFLINE");
  std::string url = cfg_.endpoint + "/api/" + type_plural(type) + "/" + repo_id + "/revision/" + url_quote(rev, "");
  RequestContext ctx{cfg_.endpoint, repo_id, type, rev, "", true, 1};
  http::Request req = make_request(cfg_, "GET", url, true);
  http::Response first = http::perform(req);
  if (is_retryable(first)) {
    if (auto c = cached_commit(storage, rev, false)) {
      log::warning("hub: cannot reach {}; using the cached revision '{}' of {}", cfg_.endpoint, rev,
                   describe_repo(repo_id, type));
      return *c;
    }
  }
  http::Response r = with_retries(cfg_, req, ctx, std::move(first));
  if (!r.ok()) raise_for_response(r, ctx);
  std::string sha;
  try {
    sha = Json::parse(r.body).value("sha", "");
  } catch (const std::exception&) {
  }
  if (!is_commit_hash(sha))
    throw HubError("the Hub's answer for revision '" + rev + "' of " + describe_repo(repo_id, type) +
                   " has no commit sha: HF_ENDPOINT must point to a Hugging Face Hub");
  cache::ensure_cachedir_tag(cfg_.cache_dir);
  cache::write_ref(storage, rev, sha);
  return sha;
}

std::vector<std::string> HubClient::fetch_tree(const std::string& repo_id, RepoType type, const std::string& commit) {
  std::vector<std::string> files;
  std::string url = cfg_.endpoint + "/api/" + type_plural(type) + "/" + repo_id + "/tree/" + url_quote(commit, "") +
                    "?recursive=true&expand=false";
  RequestContext ctx{cfg_.endpoint, repo_id, type, commit, "", true, 1};
  for (int page = 0; !url.empty(); ++page) {
    if (page > 100000) throw HubError("the Hub's file listing of " + describe_repo(repo_id, type) + " never ends");
    http::Response r = with_retries(cfg_, make_request(cfg_, "GET", url, true), ctx);
    if (!r.ok()) raise_for_response(r, ctx);
    Json arr;
    try {
      arr = Json::parse(r.body);
    } catch (const std::exception&) {
      throw HubError("the Hub's file listing of " + describe_repo(repo_id, type) + " is not valid JSON");
    }
    if (!arr.is_array()) throw HubError("the Hub's file listing of " + describe_repo(repo_id, type) + " is not a list");
    for (const auto& e : arr)
      if (e.is_object() && e.value("type", "") == "file" && e.contains("path") && e["path"].is_string())
        files.push_back(e["path"].get<std::string>());
    std::string next = next_link(r.header("link"));
    url = next.empty() ? "" : join_url(url, next);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> HubClient::list_files(const std::string& repo_id, RepoType type, const std::string& revision) {
  const std::string commit = resolve_commit(repo_id, type, revision);
  const fs::path storage = cfg_.cache_dir / repo_folder_name(repo_id, type);
  // Our own listing cache (a folder Python does not read), so a second run needs no network.
  const fs::path tree_cache = storage / ".lighteval-trees" / (commit + ".json");
  std::error_code ec;
  if (fs::is_regular_file(tree_cache, ec)) {
    try {
      std::ifstream in(tree_cache);
      return Json::parse(in).get<std::vector<std::string>>();
    } catch (const std::exception&) {
      // A damaged listing cache is rebuilt below.
    }
  }
  auto from_snapshot = [&]() {
    if (!fs::is_directory(storage / "snapshots" / commit, ec))
      throw NotCachedError("the file list of " + describe_repo(repo_id, type) + " at revision '" +
                           (revision.empty() ? "main" : revision) + "' is not in the cache " + cfg_.cache_dir.string() +
                           ": run once with network access, or unset HF_HUB_OFFLINE");
    return cache::snapshot_files(storage, commit);
  };
  if (cfg_.offline) return from_snapshot();
  std::vector<std::string> files;
  try {
    files = fetch_tree(repo_id, type, commit);
  } catch (const HubNetworkError&) {
    if (!fs::is_directory(storage / "snapshots" / commit, ec)) throw;
    log::warning("hub: cannot list {} on {}; using the files of the cached snapshot", describe_repo(repo_id, type),
                 cfg_.endpoint);
    return from_snapshot();
  }
  try {
    cache::write_file_atomic(tree_cache, Json(files).dump());
  } catch (const std::exception&) {
  }
  return files;
}

fs::path HubClient::snapshot_download(const std::string& repo_id, RepoType type, const std::string& revision,
                                      const std::vector<std::string>& allow_patterns) {
  const std::string rev = revision.empty() ? "main" : revision;
  const fs::path storage = cfg_.cache_dir / repo_folder_name(repo_id, type);
  std::error_code ec;
  if (cfg_.offline) {
    // As Python: the cached snapshot of that revision is returned as is (completeness unknown).
    if (auto commit = cached_commit(storage, rev, false)) {
      if (fs::is_directory(storage / "snapshots" / *commit, ec)) return storage / "snapshots" / *commit;
    }
    throw NotCachedError("offline mode (HF_HUB_OFFLINE=1) and no snapshot of " + describe_repo(repo_id, type) +
                         " (revision '" + rev + "') is in the cache " + cfg_.cache_dir.string() +
                         ": run once with network access, or unset HF_HUB_OFFLINE");
  }
  const std::string commit = resolve_commit(repo_id, type, rev);
  std::vector<std::string> files = list_files(repo_id, type, commit);
  for (const auto& f : files) {
    bool wanted = allow_patterns.empty();
    for (const auto& p : allow_patterns)
      if (fnmatch(p.c_str(), f.c_str(), 0) == 0) wanted = true;
    if (wanted) download_file(repo_id, f, type, commit);
  }
  fs::create_directories(storage / "snapshots" / commit, ec);
  return storage / "snapshots" / commit;
}

}  // namespace lighteval::hub
