// Encode throughput of the tokenizer, in MB/s of UTF-8 input, on one thread and on all threads.
// Usage: tokenizer_bench TOKENIZER_DIR_OR_JSON RECORDS_FILE [PASSES=5]
//   RECORDS_FILE: [uint32 LE length][bytes] records (scripts/bench_tokenizer.py writes it).
// Prints one JSON line. The median pass is reported; the first pass (cold word cache) is dropped,
// as HF tokenizers keeps a word cache too. scripts/bench_tokenizer.sh compares with HF.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

using lighteval::tokenizer::Tokenizer;

static std::vector<std::string> read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw lighteval::Error("cannot read " + path);
  std::vector<std::string> out;
  unsigned char len[4];
  while (in.read(reinterpret_cast<char*>(len), 4)) {
    uint32_t n = len[0] | len[1] << 8 | len[2] << 16 | static_cast<uint32_t>(len[3]) << 24;
    std::string s(n, '\0');
    in.read(s.data(), n);
    out.push_back(std::move(s));
  }
  return out;
}

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: tokenizer_bench TOKENIZER_DIR_OR_JSON RECORDS_FILE [PASSES]\n";
    return 2;
  }
  std::filesystem::path src = argv[1];
  int passes = argc > 3 ? std::max(2, std::atoi(argv[3])) : 5;
  std::unique_ptr<Tokenizer> tok;
  if (std::filesystem::is_directory(src)) {
    tok = Tokenizer::from_directory(src);
  } else {
    std::ifstream in(src);
    std::stringstream ss;
    ss << in.rdbuf();
    tok = Tokenizer::from_json_string(ss.str());
  }
  auto texts = read_records(argv[2]);
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  unsigned all = std::max(1u, std::thread::hardware_concurrency());
  auto measure = [&](int threads, size_t& tokens) {
    std::vector<double> secs;
    for (int p = 0; p < passes; ++p) {
      auto t0 = std::chrono::steady_clock::now();
      auto ids = threads == 1 ? std::vector<std::vector<int32_t>>() : tok->encode_batch(texts, true, threads);
      if (threads == 1) {
        ids.reserve(texts.size());
        for (const auto& t : texts) ids.push_back(tok->encode(t));
      }
      auto t1 = std::chrono::steady_clock::now();
      tokens = 0;
      for (const auto& v : ids) tokens += v.size();
      if (p > 0) secs.push_back(std::chrono::duration<double>(t1 - t0).count());
    }
    std::sort(secs.begin(), secs.end());
    return bytes / 1e6 / secs[secs.size() / 2];
  };
  size_t tokens = 0;
  double one = measure(1, tokens);
  double many = measure(static_cast<int>(all), tokens);
  std::printf("{\"tokenizer\": \"%s\", \"lines\": %zu, \"bytes\": %zu, \"tokens\": %zu, \"threads\": %u, "
              "\"mb_per_s_1_thread\": %.2f, \"mb_per_s_all_threads\": %.2f}\n",
              src.filename().string().c_str(), texts.size(), bytes, tokens, all, one, many);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "tokenizer_bench: error: " << e.what() << "\n";
  return 1;
}
