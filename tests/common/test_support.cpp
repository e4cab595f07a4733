#include "common/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace lighteval::testing {

fs::path shared_dir() {
  if (const char* env = std::getenv("LIGHTEVAL_SHARED_DIR"); env && *env) {
    return fs::is_directory(env) ? fs::path(env) : fs::path();
  }
  fs::path p = LIGHTEVAL_SHARED_DIR_DEFAULT;
  return fs::is_directory(p / "assets") ? p : fs::path();
}

fs::path assets_dir() {
  auto s = shared_dir();
  return s.empty() ? s : s / "assets";
}

fs::path source_dir() { return LIGHTEVAL_SOURCE_DIR; }
fs::path binary_dir() { return LIGHTEVAL_BINARY_DIR; }
fs::path fixtures_dir() { return source_dir() / "tests" / "fixtures"; }
fs::path lighteval_binary() { return binary_dir() / "src" / "cli" / "lighteval"; }

namespace {
struct TempDirs {
  std::vector<fs::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (auto& d : dirs) fs::remove_all(d, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs t;
  return t;
}
}  // namespace

fs::path temp_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  fs::path p(buf.data());
  temp_dirs().dirs.push_back(p);
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json read_json(const std::filesystem::path& p) { return Json::parse(read_file(p)); }

CommandResult run_command(const std::string& command_line) {
  static std::atomic<int> counter{0};
  fs::path dir = temp_dir("lighteval-cmd");
  fs::path out = dir / ("out" + std::to_string(counter.fetch_add(1)));
  fs::path err = out;
  err += ".err";
  std::string full = "(" + command_line + ") >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace lighteval::testing
