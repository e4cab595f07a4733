// hub/cache: the on-disk cache of Python's huggingface_hub, read and written the same way:
//   {cache}/{models|datasets}--org--name/{blobs/<etag>, refs/<revision>, snapshots/<commit>/<path>,
//   .no_exist/<commit>/<path>}, locks in {cache}/.locks/<repo folder>/<etag>.lock.
// Writes are atomic (temporary name + rename); snapshot entries are relative symlinks to blobs.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lighteval::hub::cache {

namespace fs = std::filesystem;

// Contents of refs/<revision> (revision names with '/' are nested folders), if present.
std::optional<std::string> read_ref(const fs::path& storage, const std::string& revision);
// Age of the ref file (now - mtime).
std::optional<std::chrono::seconds> ref_age(const fs::path& storage, const std::string& revision);
// Writes refs/<revision> = commit (no trailing newline) atomically when it differs; refreshes its
// mtime otherwise (its age tells how long ago the server confirmed it). Best effort: a read-only
// cache is not an error.
void write_ref(const fs::path& storage, const std::string& revision, const std::string& commit);

// Atomically writes `content` to `path` (parents created).
void write_file_atomic(const fs::path& path, const std::string& content);
// Creates {cache}/CACHEDIR.TAG when absent (best effort).
void ensure_cachedir_tag(const fs::path& cache_dir);
// Makes `pointer` a relative symlink to `blob` (replacing what was there); falls back to a copy
// where symlinks are not supported.
void link_pointer(const fs::path& blob, const fs::path& pointer);
// Touches .no_exist/<commit>/<filename>.
void mark_no_exist(const fs::path& storage, const std::string& commit, const std::string& filename);
bool is_no_exist(const fs::path& storage, const std::string& commit, const std::string& filename);
// Every regular file below snapshots/<commit> (following symlinks), as sorted relative paths.
std::vector<std::string> snapshot_files(const fs::path& storage, const std::string& commit);

// An exclusive flock on a lock file, released on destruction.
class FileLock {
 public:
  explicit FileLock(const fs::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace lighteval::hub::cache
