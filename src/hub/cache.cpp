#include "hub/cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "util/error.h"

namespace lighteval::hub::cache {
namespace {

std::string random_hex8() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string s(8, '0');
  for (auto& c : s) c = digits[rng() & 15];
  return s;
}

}  // namespace

std::optional<std::string> read_ref(const fs::path& storage, const std::string& revision) {
  fs::path p = storage / "refs" / revision;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::chrono::seconds> ref_age(const fs::path& storage, const std::string& revision) {
  std::error_code ec;
  auto t = fs::last_write_time(storage / "refs" / revision, ec);
  if (ec) return std::nullopt;
  auto age = fs::file_time_type::clock::now() - t;
  return std::chrono::duration_cast<std::chrono::seconds>(age);
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += "." + random_hex8() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("cannot write '" + path.string() + "': check that the cache directory is writable");
    }
  }
  fs::rename(tmp, path);
}

void write_ref(const fs::path& storage, const std::string& revision, const std::string& commit) {
  if (revision == commit) return;
  try {
    auto current = read_ref(storage, revision);
    if (current && *current == commit) {
      fs::last_write_time(storage / "refs" / revision, fs::file_time_type::clock::now());
      return;
    }
    write_file_atomic(storage / "refs" / revision, commit);
  } catch (const std::exception&) {
    // A read-only cache still serves reads; Python ignores this failure too.
  }
}

void ensure_cachedir_tag(const fs::path& cache_dir) {
  std::error_code ec;
  fs::path tag = cache_dir / "CACHEDIR.TAG";
  if (fs::exists(tag, ec)) return;
  try {
    write_file_atomic(tag,
                      "Signature: 8a477f597d28d172789f06886806bc55\n"
                      "# This file is a cache directory tag created by lighteval-cpp (Hugging Face Hub cache).\n");
  } catch (const std::exception&) {
  }
}

void link_pointer(const fs::path& blob, const fs::path& pointer) {
  fs::create_directories(pointer.parent_path());
  std::error_code ec;
  fs::remove(pointer, ec);
  fs::path rel = fs::relative(blob, pointer.parent_path());
  fs::path tmp = pointer;
  tmp += "." + random_hex8() + ".tmp";
  fs::create_symlink(rel, tmp, ec);
  if (ec) {
    fs::copy_file(blob, tmp, fs::copy_options::overwrite_existing);
  }
  fs::rename(tmp, pointer);
}

void mark_no_exist(const fs::path& storage, const std::string& commit, const std::string& filename) {
  try {
    fs::path p = storage / ".no_exist" / commit / filename;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::app).close();
  } catch (const std::exception&) {
  }
}

bool is_no_exist(const fs::path& storage, const std::string& commit, const std::string& filename) {
  std::error_code ec;
  return fs::exists(storage / ".no_exist" / commit / filename, ec);
}

std::vector<std::string> snapshot_files(const fs::path& storage, const std::string& commit) {
  std::vector<std::string> out;
  fs::path root = storage / "snapshots" / commit;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(it->path().lexically_relative(root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

FileLock::FileLock(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  // Correctness never depends on the lock (unique temporary names + rename), so a filesystem
  // without flock or a read-only cache just runs unlocked.
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace lighteval::hub::cache
