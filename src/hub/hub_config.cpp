// HubConfig::from_env and the URL/naming helpers shared by the client and the cache.
#include <cstdlib>
#include <fstream>

#include "hub/hub.h"

namespace lighteval::hub {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool env_true(const char* name) {
  auto v = env(name);
  if (!v) return false;
  std::string s = *v;
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s == "1" || s == "ON" || s == "YES" || s == "TRUE";
}

long env_long(const char* name, long fallback) {
  auto v = env(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long x = std::stol(*v, &used);
    if (used == v->size() && x >= 0) return x;
  } catch (const std::exception&) {
  }
  return fallback;
}

// "~" and "~/..." expanded (Python expands user and $VARS; shells already expand the latter).
fs::path expand_user(const std::string& p) {
  if (!p.empty() && p[0] == '~') {
    if (auto home = env("HOME")) return fs::path(*home + p.substr(1));
  }
  return fs::path(p);
}

// Python's token cleaning: drop CR/LF, strip whitespace; empty means none.
std::optional<std::string> clean_token(std::string t) {
  std::string out;
  for (char c : t)
    if (c != '\r' && c != '\n') out += c;
  auto b = out.find_first_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  auto e = out.find_last_not_of(" \t");
  return out.substr(b, e - b + 1);
}

}  // namespace

HubConfig HubConfig::from_env() {
  HubConfig c;
  if (auto e = env("HF_ENDPOINT")) c.endpoint = *e;
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();

  fs::path home;
  if (auto h = env("HF_HOME")) {
    home = expand_user(*h);
  } else if (auto x = env("XDG_CACHE_HOME")) {
    home = expand_user(*x) / "huggingface";
  } else {
    home = expand_user("~/.cache/huggingface");
  }
  if (auto h = env("HF_HUB_CACHE")) {
    c.cache_dir = expand_user(*h);
  } else if (auto h2 = env("HUGGINGFACE_HUB_CACHE")) {
    c.cache_dir = expand_user(*h2);
  } else {
    c.cache_dir = home / "hub";
  }
  c.offline = env_true("HF_HUB_OFFLINE") || env_true("TRANSFORMERS_OFFLINE");

  if (!env_true("HF_HUB_DISABLE_IMPLICIT_TOKEN")) {
    if (auto t = env("HF_TOKEN")) {
      c.token = clean_token(*t);
    } else if (auto t2 = env("HUGGING_FACE_HUB_TOKEN")) {
      c.token = clean_token(*t2);
    } else {
      fs::path token_file = env("HF_TOKEN_PATH") ? expand_user(*env("HF_TOKEN_PATH")) : home / "token";
      std::ifstream in(token_file, std::ios::binary);
      if (in) c.token = clean_token(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    }
  }
  c.metadata_timeout_s = env_long("HF_HUB_ETAG_TIMEOUT", c.metadata_timeout_s);
  c.download_timeout_s = env_long("HF_HUB_DOWNLOAD_TIMEOUT", c.download_timeout_s);
  c.ref_ttl = std::chrono::seconds(env_long("LIGHTEVAL_HUB_REF_TTL", c.ref_ttl.count()));
  c.max_retries = static_cast<int>(env_long("LIGHTEVAL_HUB_RETRIES", c.max_retries));
  c.retry_base_ms = env_long("LIGHTEVAL_HUB_RETRY_BASE_MS", c.retry_base_ms);
  return c;
}

std::string repo_folder_name(const std::string& repo_id, RepoType type) {
  std::string out = type == RepoType::model ? "models" : "datasets";
  size_t start = 0;
  while (true) {
    auto slash = repo_id.find('/', start);
    out += "--" + repo_id.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string url_quote(const std::string& s, const std::string& safe) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || safe.find(static_cast<char>(c)) != std::string::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string resolve_url(const std::string& endpoint, const std::string& repo_id, RepoType type,
                        const std::string& revision, const std::string& filename) {
  return endpoint + "/" + (type == RepoType::dataset ? "datasets/" : "") + repo_id + "/resolve/" +
         url_quote(revision, "") + "/" + url_quote(filename, "/");
}

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace lighteval::hub
