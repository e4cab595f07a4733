// cpu_scoring_bench: our CPU scoring throughput on a model directory and token batches written by
// scripts/bench_cpu_vs_torch.py (which runs the PyTorch side on the same weights and tokens).
//   cpu_scoring_bench --model DIR --requests FILE.json [--threads N] [--repeat R] [--no-share]
// FILE.json: {"requests": [{"input": [ids], "targets": [ids]}, ...]}. Prints one JSON object:
// tokens/s (request input tokens per second), seconds, sum of log-probs, peak RSS and the weights +
// KV cache bytes it is compared with.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "engine/cpu_backend.h"
#include "engine/scorer.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace {

// Peak resident set of this process image. VmHWM, not getrusage's ru_maxrss: Linux carries
// ru_maxrss over exec, so a bench started by a big parent (the Python script holding the weights)
// would report the parent's peak.
long peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) * 1024L;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024L;
}

long current_rss_bytes() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4096L;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lighteval;
  std::string model_dir, requests_file;
  int threads = 0, repeat = 1;
  bool share = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model_dir = argv[++i];
    else if (a == "--requests" && i + 1 < argc) requests_file = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
    else if (a == "--no-share") share = false;
    else {
      std::fprintf(stderr, "usage: cpu_scoring_bench --model DIR --requests FILE.json [--threads N] [--repeat R] [--no-share]\n");
      return 2;
    }
  }
  if (model_dir.empty() || requests_file.empty()) {
    std::fprintf(stderr, "cpu_scoring_bench: --model and --requests are required\n");
    return 2;
  }
  try {
    const long rss_start = current_rss_bytes();
    engine::CpuBackend be(threads);
    const auto t_load0 = std::chrono::steady_clock::now();
    auto model = model::load_transformer(model_dir, be);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load0).count();
    std::ifstream in(requests_file);
    if (!in) throw Error("cannot open " + requests_file);
    const Json j = Json::parse(in);
    std::vector<engine::ScoreRequest> reqs;
    size_t tokens = 0, max_len = 0;
    for (const auto& r : j.at("requests")) {
      reqs.push_back({r.at("input").get<std::vector<int32_t>>(), r.at("targets").get<std::vector<int32_t>>()});
      tokens += reqs.back().input.size();
      max_len = std::max(max_len, reqs.back().input.size());
    }
    if (reqs.empty()) throw Error(requests_file + " holds no requests");
    engine::ScoreOptions opt;
    opt.share_prefixes = share;
    opt.max_batch_tokens = std::max<int>(2048, static_cast<int>(max_len));
    engine::ScoreStats stats;
    // Warm-up on the first request only: it touches the code paths and buffers without doubling
    // the run time on a large request set.
    engine::score(*model, {reqs.front()}, opt, &stats);
    std::vector<engine::ScoreResult> res;
    double best = 1e30;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      res = engine::score(*model, reqs, opt, &stats);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    double sum = 0;
    Json lps = Json::array();
    for (const auto& r : res) {
      sum += r.logprob;
      lps.push_back(r.logprob);
    }
    const size_t weight_bytes = model->parameter_count() * sizeof(float);
    const size_t kv_bytes = static_cast<size_t>(opt.max_batch_tokens) * model->kv_dim() * 2 * sizeof(float);
    Json out;
    out["tokens"] = tokens;
    out["computed_rows"] = stats.rows;
    out["seconds"] = best;
    out["tokens_per_s"] = tokens / best;
    out["load_seconds"] = load_s;
    out["sum_logprob"] = sum;
    out["logprobs"] = lps;
    out["peak_rss_bytes"] = peak_rss_bytes();
    out["rss_at_start_bytes"] = rss_start;
    out["weights_bytes"] = weight_bytes;
    out["kv_cache_bytes"] = kv_bytes;
    std::cout << out.dump() << std::endl;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cpu_scoring_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
