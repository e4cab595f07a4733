#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace lighteval::log {
namespace {

Level level_from_env() {
  const char* env = std::getenv("LIGHTEVAL_LOG");
  if (!env) return Level::warning;
  std::string v(env);
  if (v == "debug") return Level::debug;
  if (v == "info") return Level::info;
  if (v == "error") return Level::error;
  if (v == "off") return Level::off;
  return Level::warning;
}

std::atomic<Level>& current() {
  static std::atomic<Level> lvl{level_from_env()};
  return lvl;
}

std::mutex& write_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void set_level(Level l) { current().store(l); }
Level level() { return current().load(); }

void write(Level l, std::string_view message) {
  static const char* names[] = {"debug", "info", "warning", "error"};
  std::lock_guard<std::mutex> lock(write_mutex());
  std::fprintf(stderr, "[lighteval %s] %.*s\n", names[static_cast<int>(l)],
               static_cast<int>(message.size()), message.data());
}

}  // namespace lighteval::log
