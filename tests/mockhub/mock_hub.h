// mockhub: the project's loopback Hugging Face Hub for tests and scripts (cpp-httplib). It serves
//   {root}/models/{repo}/...                    as the main branch of model repos,
//   {root}/datasets/{repo}/{config}/{split}/*   as the refs/convert/parquet branch of dataset repos,
//   {dataset_main_root}/{repo}/...              (optional) as the main branch of dataset repos,
// with the endpoints huggingface_hub and our client use: resolve (HEAD/GET/Range, LFS-like files
// redirected to a "CDN" path on another host name), /api/{models,datasets}/{repo}[/revision/{rev}],
// and the paginated /tree listing. Commits are stable fake shas per repo + branch. Faults (401,
// 403 gated, 404, 5xx, slow and cut-off bodies) are injected by options, by add_fault(), or by
// POST /_mock/fault; GET /_mock/stats counts requests. Not a full Hub: no uploads, no refs API.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lighteval::mockhub {

struct MockHubOptions {
  std::filesystem::path root;               // models/ and datasets/ below it
  std::filesystem::path dataset_main_root;  // optional: {repo}/... main branches of dataset repos
  std::string token;                        // the token that opens private and gated repos
  std::set<std::string> private_repos;      // "models/org/name" or "datasets/name"
  std::set<std::string> gated_repos;        // same form
  std::map<std::string, std::string> renamed;  // old repo id -> new repo id (relative 307 redirects)
  std::set<std::string> tags{"v1.0"};       // tag names that point at main's commit
  size_t page_size = 1000;                  // tree entries per page (Link rel="next" beyond)
  std::string cdn_host = "localhost";       // host name of LFS redirects (the endpoint uses 127.0.0.1)
};

struct Fault {
  std::string path_contains;  // matched against the raw request target; empty matches all
  std::string method;         // "GET", "HEAD" or empty for both
  int status = 0;             // answer with this status (X-Error-Code for 401/403/404 below)
  std::string error_code;     // optional X-Error-Code with `status`
  size_t cut_after = 0;       // GET bodies: send this many bytes, then drop the connection
  int delay_ms = 0;           // wait before answering
  int times = -1;             // how many requests it hits; -1 = forever
};

struct RequestRecord {
  std::string method;
  std::string target;
  std::string range;          // Range header, if any
  bool authorization = false;  // an Authorization header was sent
};

class MockHub {
 public:
  explicit MockHub(MockHubOptions options);
  ~MockHub();
  MockHub(const MockHub&) = delete;
  MockHub& operator=(const MockHub&) = delete;

  // Binds 127.0.0.1:port (0 = a free port), serves in a background thread, returns the port.
  int start(int port = 0);
  void stop();
  // Blocks until stop() (for the executable).
  void wait();
  int port() const { return port_; }
  std::string endpoint() const;  // http://127.0.0.1:<port>

  void add_fault(const Fault& f);
  void clear_faults();
  size_t request_count() const;  // every request except /_mock/ control ones
  std::vector<RequestRecord> requests() const;
  void reset_requests();

  // The fake commit sha of a branch ("main", "refs/convert/parquet") of a repo.
  static std::string commit_for(const std::string& type_plural, const std::string& repo_id, const std::string& branch);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

// Parses one executable flag list (see mock_hub_main.cpp --help); throws std::invalid_argument.
MockHubOptions parse_options(int argc, char** argv, std::vector<Fault>& faults, int& port);

}  // namespace lighteval::mockhub
