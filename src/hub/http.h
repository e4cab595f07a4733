// hub/http: the few libcurl operations the Hub client needs (HEAD without following redirects,
// small GETs, resumable GET into a file). Transport failures are reported, not thrown, so the
// caller decides about retries and cache fall-backs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lighteval::hub::http {

struct Response {
  long status = 0;                             // 0 when the transport failed
  std::string transport_error;                 // curl's message when status == 0 or a body was cut
  bool timed_out = false;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  std::string effective_url;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool ok() const { return status >= 200 && status < 300 && transport_error.empty(); }
};

struct Request {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool follow_redirects = true;
  long connect_timeout_s = 10;
  long idle_timeout_s = 10;  // no byte for this long aborts the transfer
  long total_timeout_s = 0;  // 0 = none
};

// HEAD or GET with the body kept in memory.
Response perform(const Request& req);

// GET appending the body to `file` (opened in append mode). Sends "Range: bytes=<offset>-" when
// offset > 0; a 200 answer to a range request truncates the file first. `progress_label` non-empty
// draws a progress bar on stderr when stderr is a terminal. `expected_size` is only for the bar.
Response download_to_file(const Request& req, const std::filesystem::path& file, std::uint64_t offset,
                          std::uint64_t expected_size, const std::string& progress_label);

// The host[:port] of an absolute URL ("" if relative).
std::string url_host(const std::string& url);

}  // namespace lighteval::hub::http
