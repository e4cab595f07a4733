// Command-line options of mock_hub_server (kept in the library so tests can check them).
#include <stdexcept>

#include "mock_hub.h"

namespace lighteval::mockhub {
namespace {

// "status=500,times=3,path=/resolve/,method=GET,cut=1000,delay=50,code=EntryNotFound"
Fault parse_fault(const std::string& spec) {
  Fault f;
  size_t start = 0;
  while (start <= spec.size()) {
    auto comma = spec.find(',', start);
    std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--fault: expected key=value, got '" + item + "'");
    std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "status") f.status = std::stoi(v);
    else if (k == "times") f.times = std::stoi(v);
    else if (k == "path") f.path_contains = v;
    else if (k == "method") f.method = v;
    else if (k == "cut") f.cut_after = std::stoul(v);
    else if (k == "delay") f.delay_ms = std::stoi(v);
    else if (k == "code") f.error_code = v;
    else throw std::invalid_argument("--fault: unknown key '" + k + "' (status, times, path, method, cut, delay, code)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return f;
}

}  // namespace

MockHubOptions parse_options(int argc, char** argv, std::vector<Fault>& faults, int& port) {
  MockHubOptions o;
  port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--root") o.root = value();
    else if (a == "--port") port = std::stoi(value());
    else if (a == "--dataset-main-root") o.dataset_main_root = value();
    else if (a == "--token") o.token = value();
    else if (a == "--private") o.private_repos.insert(value());
    else if (a == "--gated") o.gated_repos.insert(value());
    else if (a == "--page-size") o.page_size = std::stoul(value());
    else if (a == "--cdn-host") o.cdn_host = value();
    else if (a == "--tag") o.tags.insert(value());
    else if (a == "--rename") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("--rename needs OLD=NEW");
      o.renamed[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (a == "--fault") {
      faults.push_back(parse_fault(value()));
    } else {
      throw std::invalid_argument("unknown option '" + a + "'");
    }
  }
  if (o.root.empty()) throw std::invalid_argument("--root DIR is required");
  if (o.page_size == 0) throw std::invalid_argument("--page-size must be positive");
  return o;
}

}  // namespace lighteval::mockhub
