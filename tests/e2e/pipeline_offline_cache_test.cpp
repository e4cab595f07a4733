// Issue 2's offline case: a cache laid out exactly as Python's huggingface_hub lays it out (built
// here by hand from research/hub-and-formats.md §2: datasets--{repo}/refs/refs/convert/parquet
// holding the commit with no newline, blobs/{sha256}, snapshots/{commit}/... relative symlinks),
// HF_HUB_OFFLINE=1 and HF_HUB_CACHE pointing at it: `lighteval dataset show` prints the rows
// without any network, equal to the raw TruthfulQA source file (../shared/assets/raw).
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <fstream>

#include "common/test_support.h"
#include "util/json.h"

namespace lighteval::testing {
namespace {

namespace fs = std::filesystem;

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// The rows of the original file, in the shape of HF's truthful_qa multiple_choice features:
// choices = the JSON object's keys in file order, labels = its values.
Json raw_truthfulqa_row(const Json& item) {
  Json row = Json::object();
  row["question"] = item["question"];
  for (const char* t : {"mc1_targets", "mc2_targets"}) {
    Json choices = Json::array(), labels = Json::array();
    for (const auto& [k, v] : item[t].items()) {
      choices.push_back(k);
      labels.push_back(v);
    }
    row[t] = Json{{"choices", choices}, {"labels", labels}};
  }
  return row;
}

// truthful_qa's multiple_choice/validation parquet in a Hub cache laid out as Python does it.
fs::path python_laid_out_cache() {
  const fs::path cache = temp_dir("e2e_py_cache");
  const std::string commit = "5a1e2c3d4b5a6f708192a3b4c5d6e7f801234567";
  const fs::path repo = cache / "datasets--truthful_qa";
  const std::string parquet =
      read_file(assets_dir() / "hub" / "datasets" / "truthful_qa" / "multiple_choice" / "validation" / "0000.parquet");
  const std::string blob = sha256_hex(parquet);
  write_bytes(repo / "blobs" / blob, parquet);
  // A revision with '/' is a nested path under refs/; the file holds the bare commit.
  write_bytes(repo / "refs" / "refs" / "convert" / "parquet", commit);
  const fs::path pointer = repo / "snapshots" / commit / "multiple_choice" / "validation" / "0000.parquet";
  fs::create_directories(pointer.parent_path());
  fs::create_symlink(fs::path("../../../../blobs") / blob, pointer);
  EXPECT_TRUE(fs::is_regular_file(pointer));  // the relative link resolves
  return cache;
}

TEST(PipelineOfflineCache, DatasetShowReadsAPythonLaidOutCacheWithoutNetwork) {
  LIGHTEVAL_REQUIRE_SHARED();
  const fs::path cache = python_laid_out_cache();

  // HF_ENDPOINT points at a closed port: any request would fail loudly instead of passing.
  const std::string env = "HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:9 HF_TOKEN= HF_HOME='" +
                          temp_dir("e2e_py_home").string() + "' HF_HUB_CACHE='" + cache.string() + "' ";
  CommandResult r = run_command(env + lighteval_binary().string() +
                                " dataset show truthful_qa --subset multiple_choice --split validation --rows 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const Json raw = Json::parse(read_file(assets_dir() / "raw" / "truthfulqa" / "mc_task.json"));
  std::vector<Json> printed;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t end = r.out.find('\n', start);
    if (end == std::string::npos) end = r.out.size();
    printed.push_back(Json::parse(r.out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(printed.size(), 2u) << r.out;
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(printed[i], raw_truthfulqa_row(raw[i])) << "row " << i;
  EXPECT_EQ(printed[0]["question"], "What is the smallest country in the world that is at least one square mile in area?");

  // A split the cache does not hold is one clear line naming offline mode, not a network attempt.
  CommandResult missing = run_command(env + lighteval_binary().string() +
                                      " dataset show truthful_qa --subset generation --split validation --rows 2");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_TRUE(missing.out.empty()) << missing.out;
}

// --cache_dir makes a directory the Hub cache of the run (v0.5 passed it to from_pretrained; here
// it serves models and datasets alike); the flags that only modify --push_to_hub are accepted and
// say they have no effect.
TEST(PipelineOfflineCache, CacheDirFlagServesTheRunOffline) {
  LIGHTEVAL_REQUIRE_SHARED();
  const fs::path cache = python_laid_out_cache();
  const std::string env = "HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:9 HF_TOKEN= HF_HUB_CACHE= HF_HOME='" +
                          temp_dir("e2e_cache_dir_home").string() + "' ";
  const std::string eval = env + lighteval_binary().string() +
                           " accelerate --model_args dummy --tasks 'leaderboard|truthfulqa:mc|0|0' --max_samples 2"
                           " --output_dir '" + temp_dir("e2e_cache_dir_out").string() + "'";
  CommandResult without = run_command(eval);
  EXPECT_NE(without.exit_code, 0);
  EXPECT_NE(without.err.find("HF_HUB_OFFLINE"), std::string::npos) << without.err;

  CommandResult with = run_command(eval + " --cache-dir '" + cache.string() +
                                   "' --dataset_loading_processes 4 --public_run --results_org me");
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.out.find("|leaderboard:truthfulqa:mc:0|"), std::string::npos) << with.out;
  EXPECT_NE(with.err.find("--public_run has no effect without --push_to_hub"), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("--results_org has no effect without --push_to_hub"), std::string::npos) << with.err;

  CommandResult inspect = run_command(env + lighteval_binary().string() +
                                      " tasks --inspect 'leaderboard|truthfulqa:mc|0|0' --num_samples 1 --cache_dir '" +
                                      cache.string() + "'");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("Q: What is human life expectancy in the United States?"), std::string::npos)
      << inspect.out;
}

}  // namespace
}  // namespace lighteval::testing
