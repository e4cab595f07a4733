// HubConfig from the environment and the naming helpers, against huggingface_hub's documented
// behaviour and Python's urllib.parse.quote.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "common/test_support.h"
#include "hub/hub.h"

namespace fs = std::filesystem;
using namespace lighteval::hub;

namespace {
struct EnvGuard {
  std::vector<std::string> names{"HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE",
                                 "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH",
                                 "HF_HUB_DISABLE_IMPLICIT_TOKEN", "XDG_CACHE_HOME", "LIGHTEVAL_HUB_REF_TTL"};
  std::map<std::string, std::optional<std::string>> saved;
  EnvGuard() {
    for (auto& n : names) {
      const char* v = getenv(n.c_str());
      saved[n] = v ? std::optional<std::string>(v) : std::nullopt;
      unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (auto& [n, v] : saved) v ? (void)setenv(n.c_str(), v->c_str(), 1) : (void)unsetenv(n.c_str());
  }
};
}  // namespace

TEST(HubConfig, DefaultsAndOverrides) {
  EnvGuard g;
  fs::path home = lighteval::testing::temp_dir("hf-home");
  setenv("HF_HOME", home.c_str(), 1);
  HubConfig c = HubConfig::from_env();
  EXPECT_EQ(c.endpoint, "https://huggingface.co");
  EXPECT_EQ(c.cache_dir, home / "hub");
  EXPECT_FALSE(c.offline);
  EXPECT_FALSE(c.token.has_value());

  // The stored token file; CR/LF and surrounding spaces are dropped as Python does.
  std::ofstream(home / "token") << "  hf_abc\r\n";
  EXPECT_EQ(HubConfig::from_env().token, "hf_abc");
  setenv("HF_TOKEN", "hf_env", 1);
  EXPECT_EQ(HubConfig::from_env().token, "hf_env");  // HF_TOKEN wins over the file
  setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1", 1);
  EXPECT_FALSE(HubConfig::from_env().token.has_value());
  unsetenv("HF_HUB_DISABLE_IMPLICIT_TOKEN");

  setenv("HF_ENDPOINT", "http://127.0.0.1:9/", 1);
  setenv("HF_HUB_CACHE", "/somewhere/else", 1);
  for (const char* v : {"1", "ON", "yes", "True"}) {
    setenv("HF_HUB_OFFLINE", v, 1);
    EXPECT_TRUE(HubConfig::from_env().offline) << v;
  }
  setenv("HF_HUB_OFFLINE", "0", 1);
  c = HubConfig::from_env();
  EXPECT_FALSE(c.offline);
  EXPECT_EQ(c.endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(c.cache_dir, fs::path("/somewhere/else"));
  unsetenv("HF_HUB_OFFLINE");
  setenv("TRANSFORMERS_OFFLINE", "1", 1);
  EXPECT_TRUE(HubConfig::from_env().offline);
}

TEST(HubNames, MatchHuggingfaceHub) {
  EXPECT_EQ(repo_folder_name("openai-community/gpt2", RepoType::model), "models--openai-community--gpt2");
  EXPECT_EQ(repo_folder_name("gpt2", RepoType::model), "models--gpt2");
  EXPECT_EQ(repo_folder_name("ibm/duorc", RepoType::dataset), "datasets--ibm--duorc");
  // Examples from huggingface_hub's docs (research notes §1.2).
  EXPECT_EQ(resolve_url("https://huggingface.co", "openai-community/gpt2", RepoType::model, "main", "config.json"),
            "https://huggingface.co/openai-community/gpt2/resolve/main/config.json");
  EXPECT_EQ(resolve_url("https://huggingface.co", "ibm/duorc", RepoType::dataset, "refs/convert/parquet",
                        "SelfRC/train/0000.parquet"),
            "https://huggingface.co/datasets/ibm/duorc/resolve/refs%2Fconvert%2Fparquet/SelfRC/train/0000.parquet");
  // CPython: urllib.parse.quote("a b#c?d/e~f", safe="/") == "a%20b%23c%3Fd/e~f"
  EXPECT_EQ(url_quote("a b#c?d/e~f"), "a%20b%23c%3Fd/e~f");
  EXPECT_EQ(url_quote("caf\xc3\xa9", ""), "caf%C3%A9");
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
}
