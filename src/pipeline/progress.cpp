#include "pipeline/progress.h"

#include <unistd.h>

#include <cstdio>

namespace lighteval::pipeline {

bool stderr_is_tty() { return ::isatty(2) == 1; }

Progress::Progress(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && stderr_is_tty()) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  if (enabled_) draw();
}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) {
  done_ += n;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (done_ >= total_ || now - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw();
  }
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  draw();
  std::fputc('\n', stderr);
}

void Progress::draw() {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  double eta = rate > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate : 0;
  const int width = 30;
  int filled = total_ ? static_cast<int>(width * static_cast<double>(done_) / static_cast<double>(total_)) : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%-28s [%s] %zu/%zu  %.1f/s  ETA %02d:%02d ", label_.c_str(), bar.c_str(), done_, total_,
               rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  std::fflush(stderr);
}

}  // namespace lighteval::pipeline
