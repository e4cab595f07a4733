// pipeline/progress: a one-line progress bar on stderr (phase, done/total, rate, ETA), drawn only
// when stderr is a terminal so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace lighteval::pipeline {

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled);
  ~Progress();
  void advance(size_t n);
  void finish();

 private:
  void draw();
  std::string label_;
  size_t total_ = 0, done_ = 0;
  bool enabled_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// True when stderr is a terminal.
bool stderr_is_tty();

}  // namespace lighteval::pipeline
