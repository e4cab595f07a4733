// Prefill scoring throughput of the native engine on a GPU (issue 6 §3), driven by
// scripts/bench_gpu.py, which gives transformers the same token batches.
//   cuda_prefill_bench MODEL_DIR TOKENS.bin N_SEQ SEQ_LEN N_TARGETS [dtype=bfloat16] [iters=3]
//     [batch_tokens=16384] [device=cuda]
// TOKENS.bin holds N_SEQ rows of SEQ_LEN + 1 int32 ids; request i feeds row[0, SEQ_LEN) and scores
// the N_TARGETS tokens row[SEQ_LEN - N_TARGETS + 1, SEQ_LEN]. Prints one JSON line with the best
// of `iters` timed passes (after one warm-up pass) and the summed log-prob (a cross-check).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "engine/backend.h"
#include "engine/scorer.h"
#include "model/transformer.h"
#include "util/error.h"

using namespace lighteval;

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TOKENS.bin N_SEQ SEQ_LEN N_TARGETS [dtype] [iters] [batch_tokens] [device]\n",
                 argv[0]);
    return 2;
  }
  try {
    const std::string dir = argv[1], tokens_path = argv[2];
    const int n_seq = std::stoi(argv[3]), seq_len = std::stoi(argv[4]), n_targets = std::stoi(argv[5]);
    const std::string dtype = argc > 6 ? argv[6] : "bfloat16";
    const int iters = argc > 7 ? std::stoi(argv[7]) : 3;
    const int batch_tokens = argc > 8 ? std::stoi(argv[8]) : 16384;
    const std::string device = argc > 9 ? argv[9] : "cuda";
    std::ifstream in(tokens_path, std::ios::binary);
    std::vector<int32_t> ids(static_cast<size_t>(n_seq) * (seq_len + 1));
    if (!in.read(reinterpret_cast<char*>(ids.data()), static_cast<std::streamsize>(ids.size() * 4)))
      throw Error("cannot read " + std::to_string(ids.size()) + " token ids from " + tokens_path);
    std::vector<engine::ScoreRequest> reqs(n_seq);
    for (int i = 0; i < n_seq; ++i) {
      const int32_t* row = ids.data() + static_cast<size_t>(i) * (seq_len + 1);
      reqs[i].input.assign(row, row + seq_len);
      reqs[i].targets.assign(row + seq_len - n_targets + 1, row + seq_len + 1);
    }
    auto be = engine::make_backend(device);
    be->set_weight_dtype(dtype == "float32" ? engine::DType::f32
                         : dtype == "float16" ? engine::DType::f16
                                              : engine::DType::bf16);
    const auto t0 = std::chrono::steady_clock::now();
    auto model = model::load_transformer(dir, *be);
    be->synchronize();
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    engine::ScoreOptions opt;
    opt.max_batch_tokens = batch_tokens;
    double best = 1e30, sum = 0;
    engine::ScoreStats stats;
    for (int it = 0; it <= iters; ++it) {
      const auto a = std::chrono::steady_clock::now();
      const auto res = engine::score(*model, reqs, opt, &stats);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
      if (it > 0) best = std::min(best, s);
      sum = 0;
      for (const auto& r : res) sum += r.logprob;
    }
    const double tokens = static_cast<double>(n_seq) * seq_len;
    std::printf(
        "{\"backend\": \"%s\", \"dtype\": \"%s\", \"params\": %zu, \"tokens\": %.0f, \"seconds\": %.6f, "
        "\"tokens_per_s\": %.1f, \"logprob_sum\": %.6f, \"load_s\": %.3f, \"batches\": %zu}\n",
        be->name().c_str(), dtype.c_str(), model->parameter_count(), tokens, best, tokens / best, sum, load_s,
        stats.batches);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_prefill_bench: error: %s\n", e.what());
    return 1;
  }
}
