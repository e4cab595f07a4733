#include "mock_hub.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace lighteval::mockhub {
namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

std::string hex_digest(const char* algo, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_get_digestbyname(algo), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool is_lfs(const std::string& path) {
  static const char* exts[] = {".parquet", ".safetensors", ".bin", ".model", ".gguf", ".arrow", ".pt", ".onnx"};
  for (const char* e : exts) {
    std::string ext(e);
    if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return true;
  }
  return false;
}

struct FileInfo {
  fs::path abs;
  std::uint64_t size = 0;
  std::string sha256;
  std::string git_sha1;
};

// One branch of one repo: its commit and files (relative path -> absolute path).
struct Branch {
  std::string commit;
  std::map<std::string, fs::path> files;
};

enum class Lookup { ok, no_repo, no_revision };

}  // namespace

struct MockHub::Impl {
  MockHubOptions opt;
  httplib::Server server;
  mutable std::mutex mu;
  std::vector<Fault> faults;
  std::vector<RequestRecord> log;
  std::map<std::string, FileInfo> info_cache;  // abs path -> info
  std::map<std::string, fs::path> by_sha256;   // for the CDN path
  int port = 0;

  const FileInfo& info(const fs::path& abs) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = info_cache.find(abs.string());
    if (it != info_cache.end()) return it->second;
    std::string data = read_all(abs);
    FileInfo fi;
    fi.abs = abs;
    fi.size = data.size();
    fi.sha256 = hex_digest("SHA256", data);
    fi.git_sha1 = hex_digest("SHA1", "blob " + std::to_string(data.size()) + std::string(1, '\0') + data);
    by_sha256[fi.sha256] = abs;
    return info_cache.emplace(abs.string(), fi).first->second;
  }

  static std::map<std::string, fs::path> list_dir(const fs::path& dir) {
    std::map<std::string, fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) out[it->path().lexically_relative(dir).generic_string()] = it->path();
    }
    return out;
  }

  // A folder is a repo when its files sit at the depth its layout wants (so "lighteval" is not
  // taken for a repo when "lighteval/mmlu" is one).
  static bool is_repo_dir(const std::map<std::string, fs::path>& files, size_t depth) {
    for (const auto& [rel, abs] : files)
      if (static_cast<size_t>(std::count(rel.begin(), rel.end(), '/')) + 1 == depth) return true;
    return false;
  }

  bool repo_exists(const std::string& type, const std::string& repo) const {
    if (repo.empty() || repo.find("..") != std::string::npos) return false;
    if (type == "models") return is_repo_dir(list_dir(opt.root / "models" / repo), 1);
    if (is_repo_dir(list_dir(opt.root / "datasets" / repo), 3)) return true;
    return !opt.dataset_main_root.empty() && !list_dir(opt.dataset_main_root / repo).empty();
  }

  Lookup branch(const std::string& type, const std::string& repo, const std::string& revision, Branch& out) const {
    if (!repo_exists(type, repo)) return Lookup::no_repo;
    std::vector<std::string> names = {"main"};
    if (type == "datasets" && is_repo_dir(list_dir(opt.root / "datasets" / repo), 3))
      names.push_back("refs/convert/parquet");
    std::string name;
    for (const auto& n : names)
      if (revision == n || revision == commit_for(type, repo, n)) name = n;
    if (name.empty() && opt.tags.count(revision)) name = "main";
    if (name.empty()) return Lookup::no_revision;
    out.commit = commit_for(type, repo, name);
    if (type == "models") {
      out.files = list_dir(opt.root / "models" / repo);
    } else if (name == "main") {
      if (!opt.dataset_main_root.empty()) out.files = list_dir(opt.dataset_main_root / repo);
    } else {
      out.files = list_dir(opt.root / "datasets" / repo);
    }
    return Lookup::ok;
  }

  // 401/403 for private and gated repos, as the Hub answers them.
  bool check_access(const httplib::Request& req, httplib::Response& res, const std::string& type,
                    const std::string& repo) const {
    std::string key = type + "/" + repo;
    std::string auth = req.get_header_value("Authorization");
    bool has_token = !auth.empty();
    bool good = !opt.token.empty() && auth == "Bearer " + opt.token;
    if (opt.private_repos.count(key) && !good) {
      res.status = 401;
      if (has_token) {
        res.set_header("X-Error-Message", "Invalid credentials in Authorization header");
      } else {
        res.set_header("X-Error-Code", "RepoNotFound");
        res.set_header("X-Error-Message", "Repository not found");
      }
      return false;
    }
    if (opt.gated_repos.count(key) && !good) {
      res.status = has_token ? 403 : 401;
      res.set_header("X-Error-Code", "GatedRepo");
      res.set_header("X-Error-Message", "Access to this repo is restricted. You must have access to it and be authenticated.");
      res.set_content("{\"error\":\"Access to model " + repo + " is restricted.\"}", "application/json");
      return false;
    }
    return true;
  }

  static void not_found(httplib::Response& res, const std::string& code, const std::string& message,
                        const std::string& commit = "") {
    res.status = 404;
    res.set_header("X-Error-Code", code);
    res.set_header("X-Error-Message", message);
    if (!commit.empty()) res.set_header("X-Repo-Commit", commit);
    res.set_content("{\"error\":\"" + message + "\"}", "application/json");
  }

  std::optional<Fault> take_fault(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!it->method.empty() && it->method != req.method) continue;
      if (!it->path_contains.empty() && req.target.find(it->path_contains) == std::string::npos) continue;
      Fault f = *it;
      if (it->times > 0 && --it->times == 0) faults.erase(it);
      return f;
    }
    return std::nullopt;
  }

  void serve_bytes(const httplib::Request& req, httplib::Response& res, const FileInfo& fi,
                   const std::optional<Fault>& fault) {
    if (req.method == "HEAD") {
      res.set_header("Content-Length", std::to_string(fi.size));
      res.status = 200;
      return;
    }
    size_t cut = fault ? fault->cut_after : 0;
    int delay = fault ? fault->delay_ms : 0;
    fs::path path = fi.abs;
    auto sent = std::make_shared<size_t>(0);
    // httplib slices Range requests for us (offset/length) and answers 206.
    res.set_content_provider(
        fi.size, "application/octet-stream",
        [path, cut, delay, sent](size_t offset, size_t length, httplib::DataSink& sink) {
          std::ifstream in(path, std::ios::binary);
          in.seekg(static_cast<std::streamoff>(offset));
          std::string buf(std::min<size_t>(length, 16384), '\0');
          in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
          size_t n = static_cast<size_t>(in.gcount());
          if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
          if (cut > 0 && *sent + n > cut) {
            size_t keep = cut - *sent;
            if (keep > 0) sink.write(buf.data(), keep);
            *sent += keep;
            return false;  // drops the connection mid-body
          }
          if (n == 0) return false;
          sink.write(buf.data(), n);
          *sent += n;
          return true;
        });
  }

  void handle_resolve(const httplib::Request& req, httplib::Response& res, const std::string& type,
                      const std::string& repo, const std::string& revision, const std::string& file,
                      const std::string& rest_raw, const std::optional<Fault>& fault) {
    if (auto it = opt.renamed.find(repo); it != opt.renamed.end()) {
      res.status = 307;
      res.set_header("Location", std::string(type == "datasets" ? "/datasets/" : "/") + it->second + "/resolve/" + rest_raw);
      return;
    }
    if (!check_access(req, res, type, repo)) return;
    Branch b;
    Lookup l = branch(type, repo, revision, b);
    if (l == Lookup::no_repo) {
      res.status = 401;  // the Hub hides whether a repo exists
      res.set_header("X-Error-Code", "RepoNotFound");
      res.set_header("X-Error-Message", "Repository not found");
      return;
    }
    if (l == Lookup::no_revision) return not_found(res, "RevisionNotFound", "Invalid rev id: " + revision);
    auto f = b.files.find(file);
    if (f == b.files.end()) return not_found(res, "EntryNotFound", "Entry not found", b.commit);
    const FileInfo& fi = info(f->second);
    res.set_header("X-Repo-Commit", b.commit);
    if (is_lfs(file)) {
      res.status = 302;
      res.set_header("X-Linked-Etag", "\"" + fi.sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(fi.size));
      res.set_header("ETag", "\"" + fi.sha256 + "\"");
      res.set_header("Location", "http://" + opt.cdn_host + ":" + std::to_string(port) + "/_cdn/" + fi.sha256 +
                                     "?signature=mock");
      return;
    }
    res.set_header("ETag", "\"" + fi.git_sha1 + "\"");
    serve_bytes(req, res, fi, fault);
  }

  void handle_cdn(const httplib::Request& req, httplib::Response& res, const std::string& sha,
                  const std::optional<Fault>& fault) {
    fs::path p;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = by_sha256.find(sha);
      if (it == by_sha256.end()) {
        res.status = 404;
        return;
      }
      p = it->second;
    }
    serve_bytes(req, res, info(p), fault);
  }

  void handle_api(const httplib::Request& req, httplib::Response& res, const std::vector<std::string>& segs,
                  const std::string& query) {
    // segs: "api", type, repo..., [revision|tree, rev, path...]
    if (segs.size() < 3 || (segs[1] != "models" && segs[1] != "datasets")) {
      res.status = 404;
      return;
    }
    const std::string type = segs[1];
    size_t k = 2;
    std::string repo;
    while (k < segs.size() && segs[k] != "revision" && segs[k] != "tree") {
      repo += (repo.empty() ? "" : "/") + percent_decode(segs[k]);
      ++k;
    }
    std::string kind = k < segs.size() ? segs[k] : "";
    std::string revision = k + 1 < segs.size() ? percent_decode(segs[k + 1]) : "main";
    std::string sub;
    for (size_t i = k + 2; i < segs.size(); ++i) sub += (sub.empty() ? "" : "/") + percent_decode(segs[i]);
    if (auto it = opt.renamed.find(repo); it != opt.renamed.end()) {
      std::string loc = "/api/" + type + "/" + it->second;
      for (size_t i = k; i < segs.size(); ++i) loc += "/" + segs[i];
      res.status = 307;
      res.set_header("Location", loc + (query.empty() ? "" : "?" + query));
      return;
    }
    if (!check_access(req, res, type, repo)) return;
    Branch b;
    Lookup l = branch(type, repo, revision, b);
    if (l == Lookup::no_repo) {
      res.status = 401;
      res.set_header("X-Error-Code", "RepoNotFound");
      res.set_header("X-Error-Message", "Repository not found");
      return;
    }
    if (l == Lookup::no_revision) return not_found(res, "RevisionNotFound", "Invalid rev id: " + revision);
    if (kind != "tree") {
      ordered_json j;
      j["_id"] = b.commit.substr(0, 24);
      j["id"] = repo;
      j["sha"] = b.commit;
      j["private"] = opt.private_repos.count(type + "/" + repo) > 0;
      j["gated"] = opt.gated_repos.count(type + "/" + repo) ? ordered_json("manual") : ordered_json(false);
      j["disabled"] = false;
      j["siblings"] = ordered_json::array();
      for (const auto& [rel, abs] : b.files) j["siblings"].push_back({{"rfilename", rel}});
      res.set_header("X-Repo-Commit", b.commit);
      res.set_content(j.dump(), "application/json");
      return;
    }
    bool recursive = query.find("recursive=true") != std::string::npos || query.find("recursive=1") != std::string::npos;
    size_t cursor = 0;
    if (auto c = query.find("cursor="); c != std::string::npos) cursor = std::stoul(query.substr(c + 7));
    // Entries: directories and files below `sub`, depth-first in path order.
    std::string prefix = sub.empty() ? "" : sub + "/";
    std::map<std::string, ordered_json> entries;
    for (const auto& [rel, abs] : b.files) {
      if (rel.compare(0, prefix.size(), prefix) != 0) continue;
      std::string tail = rel.substr(prefix.size());
      auto parts = split(tail, '/');
      std::string acc = prefix;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        acc += parts[i];
        if (!recursive && i > 0) break;
        entries.emplace(acc, ordered_json{{"type", "directory"}, {"oid", hex_digest("SHA1", acc)}, {"size", 0}, {"path", acc}});
        acc += "/";
      }
      if (!recursive && parts.size() > 1) continue;
      const FileInfo& fi = info(abs);
      ordered_json e{{"type", "file"}, {"oid", fi.git_sha1}, {"size", fi.size}, {"path", rel}};
      if (is_lfs(rel)) e["lfs"] = {{"oid", fi.sha256}, {"size", fi.size}, {"pointerSize", 134}};
      entries.emplace(rel, e);
    }
    if (!sub.empty() && entries.empty()) return not_found(res, "EntryNotFound", sub + " does not exist on " + revision, b.commit);
    ordered_json page = ordered_json::array();
    size_t i = 0;
    for (const auto& [path, e] : entries) {
      if (i >= cursor && i < cursor + opt.page_size) page.push_back(e);
      ++i;
    }
    if (cursor + opt.page_size < entries.size()) {
      std::string base = req.target.substr(0, req.target.find('?'));
      res.set_header("Link", "<http://127.0.0.1:" + std::to_string(port) + base + "?" +
                                 (recursive ? "recursive=true&" : "") + "expand=false&cursor=" +
                                 std::to_string(cursor + opt.page_size) + ">; rel=\"next\"");
    }
    res.set_content(page.dump(), "application/json");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    std::string target = req.target;
    std::string query;
    if (auto q = target.find('?'); q != std::string::npos) {
      query = target.substr(q + 1);
      target = target.substr(0, q);
    }
    if (target.rfind("/_mock/", 0) == 0) return handle_control(req, res, target);
    {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back({req.method, req.target, req.get_header_value("Range"), req.has_header("Authorization")});
    }
    std::optional<Fault> fault = take_fault(req);
    if (fault && fault->delay_ms > 0 && fault->cut_after == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
    if (fault && fault->status) {
      res.status = fault->status;
      if (!fault->error_code.empty()) res.set_header("X-Error-Code", fault->error_code);
      res.set_content("{\"error\":\"injected fault\"}", "application/json");
      return;
    }
    auto segs = split(target.substr(1), '/');
    if (!segs.empty() && segs[0] == "api") return handle_api(req, res, segs, query);
    if (segs.size() == 2 && segs[0] == "_cdn") return handle_cdn(req, res, segs[1], fault);
    std::string type = "models";
    size_t k = 0;
    if (!segs.empty() && segs[0] == "datasets") {
      type = "datasets";
      k = 1;
    }
    size_t r = k;
    while (r < segs.size() && segs[r] != "resolve") ++r;
    if (r == k || r + 2 >= segs.size()) {
      res.status = 404;
      res.set_content("Not Found", "text/plain");
      return;
    }
    std::string repo;
    for (size_t i = k; i < r; ++i) repo += (repo.empty() ? "" : "/") + percent_decode(segs[i]);
    std::string revision = percent_decode(segs[r + 1]);
    std::string file, rest_raw = segs[r + 1];
    for (size_t i = r + 2; i < segs.size(); ++i) {
      file += (file.empty() ? "" : "/") + percent_decode(segs[i]);
      rest_raw += "/" + segs[i];
    }
    handle_resolve(req, res, type, repo, revision, file, rest_raw, fault);
  }

  void handle_control(const httplib::Request& req, httplib::Response& res, const std::string& target) {
    if (target == "/_mock/stats") {
      std::lock_guard<std::mutex> lock(mu);
      res.set_content(ordered_json{{"requests", log.size()}}.dump(), "application/json");
    } else if (target == "/_mock/reset") {
      std::lock_guard<std::mutex> lock(mu);
      log.clear();
      faults.clear();
      res.set_content("{}", "application/json");
    } else if (target == "/_mock/fault" && req.method == "POST") {
      try {
        auto j = ordered_json::parse(req.body);
        Fault f;
        f.path_contains = j.value("path_contains", "");
        f.method = j.value("method", "");
        f.status = j.value("status", 0);
        f.error_code = j.value("error_code", "");
        f.cut_after = j.value("cut_after", 0);
        f.delay_ms = j.value("delay_ms", 0);
        f.times = j.value("times", -1);
        std::lock_guard<std::mutex> lock(mu);
        faults.push_back(f);
        res.set_content("{}", "application/json");
      } catch (const std::exception& e) {
        res.status = 400;
        res.set_content(std::string("bad fault JSON: ") + e.what(), "text/plain");
      }
    } else {
      res.status = 404;
    }
  }
};

MockHub::MockHub(MockHubOptions options) : impl_(std::make_unique<Impl>()) { impl_->opt = std::move(options); }

MockHub::~MockHub() { stop(); }

int MockHub::start(int port) {
  auto* impl = impl_.get();
  auto handler = [impl](const httplib::Request& req, httplib::Response& res) { impl->handle(req, res); };
  impl->server.Get(".*", handler);  // also answers HEAD
  impl->server.Post(".*", handler);
  int bound = port == 0 ? impl->server.bind_to_any_port("127.0.0.1") : (impl->server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) throw std::runtime_error("mock hub: cannot bind 127.0.0.1:" + std::to_string(port));
  port_ = bound;
  impl->port = bound;
  thread_ = std::thread([impl] { impl->server.listen_after_bind(); });
  while (!impl->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void MockHub::stop() {
  if (impl_) impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

void MockHub::wait() {
  if (thread_.joinable()) thread_.join();
}

std::string MockHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void MockHub::add_fault(const Fault& f) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults.push_back(f);
}

void MockHub::clear_faults() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults.clear();
}

size_t MockHub::request_count() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->log.size();
}

std::vector<RequestRecord> MockHub::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->log;
}

void MockHub::reset_requests() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->log.clear();
}

std::string MockHub::commit_for(const std::string& type_plural, const std::string& repo_id, const std::string& branch) {
  return hex_digest("SHA1", "mock-hub-commit:" + type_plural + "/" + repo_id + "@" + branch);
}

}  // namespace lighteval::mockhub
