#include "fixture_io.h"

#include <zlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lighteval::tokenizer::testing {

std::string read_gzip(const std::filesystem::path& p) {
  gzFile f = gzopen(p.string().c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + p.string());
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  if (n < 0) throw std::runtime_error("corrupt gzip " + p.string());
  return out;
}

std::vector<std::string> read_corpus(const std::filesystem::path& p) {
  std::string data = read_gzip(p);
  std::vector<std::string> out;
  size_t i = 0;
  while (i + 4 <= data.size()) {
    uint32_t n = static_cast<unsigned char>(data[i]) | static_cast<unsigned char>(data[i + 1]) << 8 |
                 static_cast<unsigned char>(data[i + 2]) << 16 | static_cast<uint32_t>(static_cast<unsigned char>(data[i + 3])) << 24;
    out.push_back(data.substr(i + 4, n));
    i += 4 + n;
  }
  return out;
}

uint32_t line_hash(const std::vector<int32_t>& ids, const std::string& decoded) {
  uint32_t h = 0x811C9DC5u;
  auto feed = [&](unsigned char b) { h = (h ^ b) * 0x01000193u; };
  for (int32_t id : ids) {
    auto u = static_cast<uint32_t>(id);
    for (int k = 0; k < 4; ++k) feed(static_cast<unsigned char>(u >> (8 * k)));
  }
  feed(0xFF);
  feed(0xFF);
  for (unsigned char c : decoded) feed(c);
  return h;
}

std::unique_ptr<Tokenizer> load_variant(const std::filesystem::path& fixture, const std::filesystem::path& assets) {
  std::ifstream in(fixture);
  std::stringstream ss;
  ss << in.rdbuf();
  Json doc = Json::parse(ss.str());
  Json tok = doc["tokenizer"];
  if (!doc["base"].is_null()) {
    std::string base = doc["base"].get<std::string>();
    std::string dir = base == "gpt2" ? "hub/models/fixtures/gpt2-tokenizer" : "hub/models/fixtures/llama2-tokenizer";
    std::ifstream bin(assets / dir / "tokenizer.json");
    std::stringstream bs;
    bs << bin.rdbuf();
    Json b = Json::parse(bs.str());
    tok["model"]["vocab"] = b["model"]["vocab"];
    tok["model"]["merges"] = b["model"]["merges"];
  }
  return Tokenizer::from_json_string(tok.dump());
}

}  // namespace lighteval::tokenizer::testing
