// HubClient against the mock Hub serving ../shared/assets/hub: downloads, cache layout, second
// runs without network, offline mode, resume after a cut-off body, and the error messages.
// Independent references: the assets' SHA256SUMS, `git hash-object`, and the asset files' bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/test_support.h"
#include "hub/hub.h"
#include "hub/hub_errors.h"
#include "mock_hub.h"

namespace fs = std::filesystem;
using lighteval::hub::HubClient;
using lighteval::hub::HubConfig;
using lighteval::hub::RepoType;
using lighteval::mockhub::Fault;
using lighteval::mockhub::MockHub;
using lighteval::mockhub::MockHubOptions;
namespace lt = lighteval::testing;

namespace {

const std::string kGpt2 = "hf-internal-testing/tiny-random-gpt2";

std::map<std::string, std::string> sha256sums() {
  std::map<std::string, std::string> out;
  std::ifstream in(lt::assets_dir() / "SHA256SUMS");
  std::string sum, path;
  while (in >> sum >> path) {
    if (!path.empty() && path[0] == '*') path = path.substr(1);
    if (path.rfind("./", 0) == 0) path = path.substr(2);
    out[path] = sum;
  }
  return out;
}

class HubClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LIGHTEVAL_REQUIRE_SHARED();
    MockHubOptions o;
    o.root = lt::assets_dir() / "hub";
    o.token = "hf_secret";
    o.private_repos.insert("models/fixtures/stories260K");
    o.gated_repos.insert("models/fixtures/llama2-tokenizer");
    o.renamed["old-org/tiny-gpt2"] = kGpt2;
    o.page_size = 50;  // mmlu (174 files) then needs several pages: Link rel="next" is followed
    hub_ = std::make_unique<MockHub>(o);
    hub_->start();
    cache_ = lt::temp_dir("hub-cache");
  }

  HubConfig config() const {
    HubConfig c;
    c.endpoint = hub_->endpoint();
    c.cache_dir = cache_;
    c.offline = false;
    c.max_retries = 2;
    c.retry_base_ms = 1;
    c.progress = false;
    return c;
  }

  size_t count_path(const std::string& needle) const {
    size_t n = 0;
    for (const auto& r : hub_->requests())
      if (r.target.find(needle) != std::string::npos) ++n;
    return n;
  }

  std::unique_ptr<MockHub> hub_;
  fs::path cache_;
};

}  // namespace

TEST_F(HubClientTest, SnapshotDownloadMatchesAssetsAndPythonLayout) {
  HubClient client(config());
  fs::path snap = client.snapshot_download(kGpt2, RepoType::model);
  const fs::path src = lt::assets_dir() / "hub/models" / kGpt2;
  const std::string commit = MockHub::commit_for("models", kGpt2, "main");
  const fs::path storage = cache_ / "models--hf-internal-testing--tiny-random-gpt2";
  EXPECT_EQ(snap, storage / "snapshots" / commit);
  EXPECT_EQ(lt::read_file(storage / "refs/main"), commit);  // exactly the sha, no newline
  EXPECT_TRUE(fs::exists(cache_ / "CACHEDIR.TAG"));

  auto sums = sha256sums();
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(src)) {
    const std::string name = e.path().filename().string();
    fs::path pointer = snap / name;
    ASSERT_TRUE(fs::is_symlink(pointer)) << name;
    EXPECT_EQ(lt::read_file(pointer), lt::read_file(e.path())) << name;
    fs::path target = fs::read_symlink(pointer);
    EXPECT_TRUE(target.is_relative()) << target;
    EXPECT_EQ(target.parent_path(), fs::path("../../blobs")) << target;
    if (name == "model.safetensors") {
      // LFS file: blob named by sha256 (reference: the assets' SHA256SUMS).
      EXPECT_EQ(target.filename().string(), sums.at("hub/models/" + kGpt2 + "/" + name));
    } else {
      // Regular file: blob named by the git blob sha1 (reference: git hash-object).
      auto r = lt::run_command("git hash-object '" + e.path().string() + "'");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(target.filename().string() + "\n", r.out) << name;
    }
    ++n;
  }
  EXPECT_EQ(n, 8u);
  // The LFS bytes came from the CDN host, and no token was sent there.
  EXPECT_GE(count_path("/_cdn/"), 1u);
}

TEST_F(HubClientTest, SecondRunMakesNoNetworkCall) {
  {
    HubClient client(config());
    client.snapshot_download(kGpt2, RepoType::model);
    client.download_file("truthful_qa", "multiple_choice/validation/0000.parquet", RepoType::dataset,
                         "refs/convert/parquet");
  }
  hub_->reset_requests();
  HubClient again(config());
  fs::path snap = again.snapshot_download(kGpt2, RepoType::model);
  fs::path data = again.download_file("truthful_qa", "multiple_choice/validation/0000.parquet", RepoType::dataset,
                                      "refs/convert/parquet");
  EXPECT_EQ(hub_->request_count(), 0u);
  EXPECT_TRUE(fs::exists(snap / "config.json"));
  EXPECT_EQ(lt::read_file(data),
            lt::read_file(lt::assets_dir() / "hub/datasets/truthful_qa/multiple_choice/validation/0000.parquet"));
  // The parquet branch's ref is stored where Python stores it.
  EXPECT_EQ(lt::read_file(cache_ / "datasets--truthful_qa/refs/refs/convert/parquet"),
            MockHub::commit_for("datasets", "truthful_qa", "refs/convert/parquet"));
}

TEST_F(HubClientTest, StaleRefAsksTheServerAgain) {
  HubConfig c = config();
  c.ref_ttl = std::chrono::seconds(0);
  HubClient client(c);
  client.download_file(kGpt2, "config.json", RepoType::model);
  hub_->reset_requests();
  client.download_file(kGpt2, "config.json", RepoType::model);
  EXPECT_EQ(hub_->request_count(), 1u);  // one HEAD, no GET
  EXPECT_EQ(hub_->requests()[0].method, "HEAD");
}

TEST_F(HubClientTest, OfflineUsesTheCacheOnly) {
  HubClient(config()).download_file(kGpt2, "config.json", RepoType::model);
  hub_->reset_requests();
  HubConfig c = config();
  c.offline = true;
  c.ref_ttl = std::chrono::seconds(0);  // offline must not care about freshness
  HubClient offline(c);
  fs::path p = offline.download_file(kGpt2, "config.json", RepoType::model);
  EXPECT_EQ(lt::read_file(p), lt::read_file(lt::assets_dir() / "hub/models" / kGpt2 / "config.json"));
  try {
    offline.download_file(kGpt2, "vocab.json", RepoType::model);
    FAIL() << "expected NotCachedError";
  } catch (const lighteval::hub::NotCachedError& e) {
    EXPECT_NE(std::string(e.what()).find("HF_HUB_OFFLINE"), std::string::npos) << e.what();
  }
  EXPECT_THROW(offline.snapshot_download("truthful_qa", RepoType::dataset, "refs/convert/parquet"),
               lighteval::hub::NotCachedError);
  EXPECT_EQ(hub_->request_count(), 0u);
}

TEST_F(HubClientTest, CutOffDownloadResumesWithRange) {
  const fs::path src = lt::assets_dir() / "hub/models" / kGpt2 / "model.safetensors";
  Fault cut;
  cut.path_contains = "/_cdn/";
  cut.method = "GET";
  cut.cut_after = 100000;
  cut.times = 1;
  hub_->add_fault(cut);
  HubClient client(config());
  fs::path p = client.download_file(kGpt2, "model.safetensors", RepoType::model);
  EXPECT_EQ(lt::read_file(p), lt::read_file(src));
  std::vector<std::string> ranges;
  for (const auto& r : hub_->requests())
    if (r.target.find("/_cdn/") != std::string::npos) ranges.push_back(r.range);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_EQ(ranges[1], "bytes=100000-");
}

TEST_F(HubClientTest, InterruptedRunIsResumedByTheNextRun) {
  const fs::path src = lt::assets_dir() / "hub/models" / kGpt2 / "model.safetensors";
  Fault cut;
  cut.path_contains = "/_cdn/";
  cut.method = "GET";
  cut.cut_after = 65536;
  cut.times = 1;
  hub_->add_fault(cut);
  HubConfig c = config();
  c.max_retries = 0;
  try {
    HubClient(c).download_file(kGpt2, "model.safetensors", RepoType::model);
    FAIL() << "expected a network error";
  } catch (const lighteval::hub::HubNetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("again to resume"), std::string::npos) << e.what();
  }
  auto sums = sha256sums();
  fs::path partial = cache_ / "models--hf-internal-testing--tiny-random-gpt2/blobs" /
                     (sums.at("hub/models/" + kGpt2 + "/model.safetensors") + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), 65536u);
  hub_->reset_requests();
  fs::path p = HubClient(c).download_file(kGpt2, "model.safetensors", RepoType::model);
  EXPECT_EQ(lt::read_file(p), lt::read_file(src));
  EXPECT_FALSE(fs::exists(partial));
  ASSERT_EQ(count_path("/_cdn/"), 1u);
  for (const auto& r : hub_->requests())
    if (r.target.find("/_cdn/") != std::string::npos) EXPECT_EQ(r.range, "bytes=65536-");
}

TEST_F(HubClientTest, ServerErrorsAreRetriedThenReported) {
  Fault f;
  f.status = 500;
  hub_->add_fault(f);
  HubClient client(config());
  try {
    client.download_file(kGpt2, "config.json", RepoType::model);
    FAIL() << "expected HubNetworkError";
  } catch (const lighteval::hub::HubNetworkError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("HTTP 500"), std::string::npos) << m;
    EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
  }
  EXPECT_EQ(hub_->request_count(), 3u);  // 1 + max_retries, then it stops
}

TEST_F(HubClientTest, TransientErrorIsRetriedAway) {
  Fault f;
  f.status = 503;
  f.times = 2;
  hub_->add_fault(f);
  HubClient client(config());
  fs::path p = client.download_file(kGpt2, "vocab.json", RepoType::model);
  EXPECT_EQ(lt::read_file(p), lt::read_file(lt::assets_dir() / "hub/models" / kGpt2 / "vocab.json"));
}

TEST_F(HubClientTest, ErrorMessagesSayWhatToDo) {
  HubClient client(config());
  auto message_of = [&](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const lighteval::Error& e) {
      return e.what();
    }
    return "no error";
  };
  // Unknown repo: the Hub answers 401 RepoNotFound to anonymous users.
  std::string m = message_of([&] { client.download_file("nobody/nothing", "config.json", RepoType::model); });
  EXPECT_NE(m.find("model repo 'nobody/nothing' not found"), std::string::npos) << m;
  EXPECT_NE(m.find("HF_TOKEN"), std::string::npos) << m;
  EXPECT_THROW(client.list_files("nobody/nothing", RepoType::dataset), lighteval::hub::RepoNotFoundError);
  // Unknown revision and unknown file.
  EXPECT_THROW(client.download_file(kGpt2, "config.json", RepoType::model, "no-such-branch"),
               lighteval::hub::RevisionNotFoundError);
  EXPECT_THROW(client.resolve_commit(kGpt2, RepoType::model, "no-such-branch"), lighteval::hub::RevisionNotFoundError);
  m = message_of([&] { client.download_file(kGpt2, "missing.json", RepoType::model); });
  EXPECT_NE(m.find("file 'missing.json' not found in model repo '" + kGpt2 + "'"), std::string::npos) << m;
  // A private repo without a token; a gated one.
  m = message_of([&] { client.download_file("fixtures/stories260K", "config.json", RepoType::model); });
  EXPECT_NE(m.find("HF_TOKEN"), std::string::npos) << m;
  EXPECT_THROW(client.download_file("fixtures/llama2-tokenizer", "tokenizer.json", RepoType::model),
               lighteval::hub::GatedRepoError);
  // A bare 401 on a file.
  Fault f;
  f.status = 401;
  f.path_contains = "/resolve/";
  f.times = 1;
  hub_->add_fault(f);
  m = message_of([&] { client.download_file(kGpt2, "merges.txt", RepoType::model); });
  EXPECT_NE(m.find("HTTP 401"), std::string::npos) << m;
  EXPECT_NE(m.find("set HF_TOKEN or run `huggingface-cli login`"), std::string::npos) << m;
  // No server at all.
  HubConfig dead = config();
  dead.endpoint = "http://127.0.0.1:1";
  dead.max_retries = 1;
  m = message_of([&] { HubClient(dead).download_file(kGpt2, "merges.txt", RepoType::model); });
  EXPECT_NE(m.find("cannot reach the Hub at http://127.0.0.1:1"), std::string::npos) << m;
  // Bad ids and file names never reach the network.
  EXPECT_THROW(client.download_file("../etc", "x", RepoType::model), lighteval::UsageError);
  EXPECT_THROW(client.download_file(kGpt2, "../../x", RepoType::model), lighteval::UsageError);
}

TEST_F(HubClientTest, TokenOpensPrivateAndGatedReposButIsNotSentToTheCdn) {
  HubConfig c = config();
  c.token = "hf_secret";
  HubClient client(c);
  fs::path p = client.download_file("fixtures/stories260K", "model.safetensors", RepoType::model);
  EXPECT_EQ(lt::read_file(p), lt::read_file(lt::assets_dir() / "hub/models/fixtures/stories260K/model.safetensors"));
  EXPECT_NO_THROW(client.download_file("fixtures/llama2-tokenizer", "tokenizer_config.json", RepoType::model));
  for (const auto& r : hub_->requests()) {
    if (r.target.find("/_cdn/") != std::string::npos) EXPECT_FALSE(r.authorization) << r.target;
    if (r.target.find("/resolve/") != std::string::npos) EXPECT_TRUE(r.authorization) << r.target;
  }
  c.token = "hf_wrong";
  HubClient wrong(c);
  EXPECT_THROW(wrong.download_file("fixtures/llama2-tokenizer", "tokenizer.json", RepoType::model),
               lighteval::hub::GatedRepoError);
  try {
    wrong.download_file("fixtures/stories260K", "config.json", RepoType::model);
    FAIL();
  } catch (const lighteval::hub::AuthError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid credentials"), std::string::npos) << e.what();
  }
}

TEST_F(HubClientTest, MissingFileIsRecordedInNoExist) {
  HubClient client(config());
  EXPECT_EQ(client.try_download_file(kGpt2, "model.safetensors.index.json", RepoType::model), std::nullopt);
  const std::string commit = MockHub::commit_for("models", kGpt2, "main");
  fs::path storage = cache_ / "models--hf-internal-testing--tiny-random-gpt2";
  EXPECT_TRUE(fs::exists(storage / ".no_exist" / commit / "model.safetensors.index.json"));
  EXPECT_EQ(lt::read_file(storage / "refs/main"), commit);
  hub_->reset_requests();
  EXPECT_EQ(client.try_download_file(kGpt2, "model.safetensors.index.json", RepoType::model), std::nullopt);
  EXPECT_EQ(hub_->request_count(), 0u);
  HubConfig c = config();
  c.offline = true;
  EXPECT_EQ(HubClient(c).try_download_file(kGpt2, "model.safetensors.index.json", RepoType::model), std::nullopt);
}

TEST_F(HubClientTest, ListingRevisionsRenamesAndPatterns) {
  HubClient client(config());
  auto files = client.list_files("lighteval/mmlu", RepoType::dataset, "refs/convert/parquet");
  EXPECT_EQ(files.size(), 174u);  // the assets README: 174 files, over several pages
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  EXPECT_NE(std::find(files.begin(), files.end(), "abstract_algebra/test/0000.parquet"), files.end());
  // A commit and a tag resolve like the branch.
  const std::string main = MockHub::commit_for("models", kGpt2, "main");
  EXPECT_EQ(client.resolve_commit(kGpt2, RepoType::model, "v1.0"), main);
  EXPECT_EQ(client.resolve_commit(kGpt2, RepoType::model, main), main);
  // A renamed repo is followed through the relative redirect and cached under the requested id.
  fs::path p = client.download_file("old-org/tiny-gpt2", "config.json", RepoType::model);
  EXPECT_EQ(p, cache_ / "models--old-org--tiny-gpt2/snapshots" / main / "config.json");
  // allow_patterns as fnmatch globs.
  fs::path snap = client.snapshot_download(kGpt2, RepoType::model, "main", {"*.json"});
  std::vector<std::string> got;
  for (const auto& e : fs::directory_iterator(snap)) got.push_back(e.path().filename().string());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"config.json", "generation_config.json", "special_tokens_map.json",
                                           "tokenizer.json", "tokenizer_config.json", "vocab.json"}));
}
