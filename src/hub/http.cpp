#include "hub/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "util/error.h"
#include "util/version.h"

namespace lighteval::hub::http {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

size_t header_cb(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<Response*>(user);
  std::string line(data, size * n);
  // A new status line starts a new header block (after a followed redirect or a 100-continue).
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    resp->headers[trim(name)] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t body_cb(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct FileSink {
  std::FILE* f = nullptr;
  CURL* curl = nullptr;
  std::filesystem::path path;
  bool range_requested = false;
  bool checked_status = false;
  bool write_failed = false;
};

size_t file_cb(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<FileSink*>(user);
  if (!sink->checked_status) {
    sink->checked_status = true;
    long status = 0;
    curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) return 0;  // an error body is not file content
    // The server ignored our Range: start the file over.
    if (sink->range_requested && status == 200) {
      if (std::fflush(sink->f) != 0 || ftruncate(fileno(sink->f), 0) != 0) {
        sink->write_failed = true;
        return 0;
      }
    }
  }
  if (std::fwrite(data, size, n, sink->f) != n) {
    sink->write_failed = true;
    return 0;
  }
  return size * n;
}

struct Progress {
  std::string label;
  std::uint64_t offset = 0;
  std::uint64_t expected = 0;
  std::chrono::steady_clock::time_point last{};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool drawn = false;
};

int progress_cb(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* p = static_cast<Progress*>(user);
  auto now = std::chrono::steady_clock::now();
  if (now - p->last < std::chrono::milliseconds(200)) return 0;
  p->last = now;
  std::uint64_t total = p->expected ? p->expected : static_cast<std::uint64_t>(dltotal) + p->offset;
  std::uint64_t have = p->offset + static_cast<std::uint64_t>(dlnow);
  double secs = std::chrono::duration<double>(now - p->start).count();
  double rate = secs > 0 ? static_cast<double>(dlnow) / secs / 1e6 : 0.0;
  if (total > 0) {
    int pct = static_cast<int>(100.0 * static_cast<double>(have) / static_cast<double>(total));
    std::fprintf(stderr, "\r%s: %3d%% %.1f/%.1f MB %.1f MB/s", p->label.c_str(), std::min(pct, 100),
                 static_cast<double>(have) / 1e6, static_cast<double>(total) / 1e6, rate);
  } else {
    std::fprintf(stderr, "\r%s: %.1f MB %.1f MB/s", p->label.c_str(), static_cast<double>(have) / 1e6, rate);
  }
  p->drawn = true;
  return 0;
}

// Common options; the returned list must be freed by the caller.
curl_slist* setup(CURL* curl, const Request& req, Response& resp) {
  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
  // An idle timeout, as Python's httpx applies its read timeout: slow but moving downloads live.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, req.idle_timeout_s);
  if (req.total_timeout_s > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT, req.total_timeout_s);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
  std::string agent = std::string("lighteval-cpp/") + kVersion;
  curl_easy_setopt(curl, CURLOPT_USERAGENT, agent.c_str());
  if (req.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_slist* list = nullptr;
  // Sizes must be the real ones (Content-Length of a gzip answer is the compressed size).
  list = curl_slist_append(list, "Accept-Encoding: identity");
  for (const auto& h : req.headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  return list;
}

void finish(CURL* curl, CURLcode rc, const char* errbuf, Response& resp) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* eff = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &eff);
  if (eff) resp.effective_url = eff;
  resp.status = status;
  if (rc != CURLE_OK) {
    resp.transport_error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
  }
}

}  // namespace

Response perform(const Request& req) {
  global_init();
  Response resp;
  CURL* curl = curl_easy_init();
  if (!curl) throw Error("could not initialise libcurl");
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_slist* list = setup(curl, req, resp);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp.body);
  CURLcode rc = curl_easy_perform(curl);
  finish(curl, rc, errbuf, resp);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return resp;
}

Response download_to_file(const Request& req, const std::filesystem::path& file, std::uint64_t offset,
                          std::uint64_t expected_size, const std::string& progress_label) {
  global_init();
  Response resp;
  FileSink sink;
  sink.path = file;
  sink.f = std::fopen(file.c_str(), "ab");
  if (!sink.f) throw Error("cannot write '" + file.string() + "': check that the cache directory is writable");
  CURL* curl = curl_easy_init();
  if (!curl) {
    std::fclose(sink.f);
    throw Error("could not initialise libcurl");
  }
  sink.curl = curl;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_slist* list = setup(curl, req, resp);
  std::string range;
  if (offset > 0) {
    range = std::to_string(offset) + "-";
    curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    sink.range_requested = true;
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, file_cb);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  Progress prog{progress_label, offset, expected_size};
  bool bar = !progress_label.empty() && isatty(STDERR_FILENO);
  if (bar) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &prog);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  CURLcode rc = curl_easy_perform(curl);
  if (prog.drawn) std::fprintf(stderr, "\n");
  finish(curl, rc, errbuf, resp);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  bool close_failed = std::fclose(sink.f) != 0;
  if (sink.write_failed || close_failed)
    throw Error("cannot write '" + file.string() + "' (disk full or not writable?)");
  // A non-2xx status stopped the write callback on purpose: that is not a transport error.
  if (resp.status >= 300 && rc == CURLE_WRITE_ERROR) resp.transport_error.clear();
  return resp;
}

std::string url_host(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  auto start = scheme + 3;
  auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace lighteval::hub::http
