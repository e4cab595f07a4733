// The BPE model (tokenizers models/bpe): characters -> symbols -> merges by rank, leftmost first,
// with byte_fallback, unk fusing, continuing_subword_prefix, end_of_word_suffix, ignore_merges and
// a word cache (the same pre-token recurs constantly in real text).
#include <array>
#include <cstdio>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/error.h"

namespace lighteval::tokenizer {

void Vocab::add(std::string token, int64_t id) {
  if (id < 0 || id > (int64_t{1} << 31) - 2)
    throw Error("tokenizer vocabulary: token id " + std::to_string(id) + " of '" + token +
                "' is out of range");
  auto i = static_cast<size_t>(id);
  if (i >= by_id_.size()) {
    by_id_.resize(i + 1);
    present_.resize(i + 1, false);
  }
  by_id_[i] = token;
  present_[i] = true;
  map_[std::move(token)] = static_cast<int32_t>(id);
}

namespace {

class WordCache {
 public:
  bool get(std::string_view w, std::vector<int32_t>& out) const {
    const Shard& s = shards_[StringHash{}(w) % kShards];
    std::lock_guard lock(s.mu);
    auto it = s.map.find(w);
    if (it == s.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }
  void put(std::string_view w, const int32_t* ids, size_t n) const {
    Shard& s = shards_[StringHash{}(w) % kShards];
    std::lock_guard lock(s.mu);
    if (s.map.size() >= kPerShard) return;  // full: keep what is there, as tokenizers does
    s.map.emplace(std::string(w), std::vector<int32_t>(ids, ids + n));
  }

 private:
  static constexpr size_t kShards = 64, kPerShard = 2048;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> map;
  };
  mutable std::array<Shard, kShards> shards_;
};

struct MergeInfo {
  int32_t rank, new_id;
};

class Bpe : public Model {
 public:
  Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
      std::optional<std::string> unk, std::string prefix, std::string suffix, bool fuse_unk,
      bool byte_fallback, bool ignore_merges)
      : vocab_(std::move(vocab)), prefix_(std::move(prefix)), suffix_(std::move(suffix)),
        fuse_unk_(fuse_unk), byte_fallback_(byte_fallback), ignore_merges_(ignore_merges) {
    if (unk) {
      unk_name_ = *unk;
      unk_id_ = vocab_.find(*unk);
    }
    merges_.reserve(merges.size() * 2);
    int32_t rank = 0;
    for (const auto& [a, b] : merges) {
      auto ia = vocab_.find(a), ib = vocab_.find(b);
      std::string joined = a + (b.compare(0, prefix_.size(), prefix_) == 0 ? b.substr(prefix_.size()) : b);
      auto inew = vocab_.find(joined);
      if (!ia || !ib || !inew)
        throw Error("tokenizer: the merge '" + a + " " + b + "' (rank " + std::to_string(rank) +
                    ") uses a token missing from the vocabulary; the tokenizer files are inconsistent");
      merges_[key(*ia, *ib)] = {rank, *inew};
      ++rank;
    }
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      byte_ids_[b] = vocab_.find(name).value_or(-1);
    }
  }

  void tokenize(std::string_view word, std::vector<int32_t>& out) const override {
    if (word.empty()) return;
    if (ignore_merges_) {
      if (auto id = vocab_.find(word)) {
        out.push_back(*id);
        return;
      }
    }
    bool cacheable = word.size() < 256;
    if (cacheable && cache_.get(word, out)) return;
    size_t before = out.size();
    merge_word(word, out);
    if (cacheable) cache_.put(word, out.data() + before, out.size() - before);
  }

  std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  struct Candidate {
    int32_t rank, pos, new_id;
    bool operator<(const Candidate& o) const {  // max-heap: lowest rank, then leftmost, on top
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };

  void merge_word(std::string_view w, std::vector<int32_t>& out) const {
    thread_local std::vector<Symbol> syms;
    thread_local std::string buf;
    syms.clear();
    auto push = [&](int32_t id) {
      int32_t n = static_cast<int32_t>(syms.size());
      syms.push_back({id, n - 1, -1, true});
    };
    std::optional<int32_t> pending_unk;  // (fused) unknown run waiting to be added
    size_t i = 0;
    while (i < w.size()) {
      size_t start = i;
      i += unicode::cp_len(static_cast<unsigned char>(w[i]));
      if (i > w.size()) i = w.size();
      bool first = start == 0, last = i >= w.size();
      std::optional<int32_t> id;
      std::string_view piece = w.substr(start, i - start);
      if ((first || prefix_.empty()) && (!last || suffix_.empty())) {
        id = vocab_.find(piece);
      } else {
        buf.clear();
        if (!first) buf += prefix_;
        buf += piece;
        if (last) buf += suffix_;
        id = vocab_.find(buf);
      }
      if (id) {
        if (pending_unk) {
          push(*pending_unk);
          pending_unk.reset();
        }
        push(*id);
        continue;
      }
      if (byte_fallback_) {
        // tokenizers falls back on the bytes of the symbol as looked up (prefix/suffix included).
        std::string_view sym = (first || prefix_.empty()) && (!last || suffix_.empty()) ? piece : std::string_view(buf);
        bool all = true;
        for (unsigned char c : sym) all = all && byte_ids_[c] >= 0;
        if (all) {
          for (unsigned char c : sym) push(byte_ids_[c]);
          continue;
        }
      }
      if (!unk_name_.empty()) {
        if (!unk_id_)
          throw Error("tokenizer: the unk token '" + unk_name_ + "' is not in the vocabulary");
        if (pending_unk && !fuse_unk_) push(*pending_unk);
        pending_unk = *unk_id_;
      }
    }
    if (pending_unk) push(*pending_unk);
    if (!syms.empty()) syms.back().next = -1;
    for (size_t k = 0; k + 1 < syms.size(); ++k) syms[k].next = static_cast<int32_t>(k + 1);

    std::priority_queue<Candidate> heap;
    auto consider = [&](int32_t pos) {
      int32_t nx = syms[pos].next;
      if (nx < 0) return;
      auto it = merges_.find(key(syms[pos].id, syms[nx].id));
      if (it != merges_.end()) heap.push({it->second.rank, pos, it->second.new_id});
    };
    for (int32_t k = 0; k + 1 < static_cast<int32_t>(syms.size()); ++k) consider(k);
    while (!heap.empty()) {
      Candidate c = heap.top();
      heap.pop();
      Symbol& s = syms[c.pos];
      if (!s.alive || s.next < 0) continue;
      auto it = merges_.find(key(s.id, syms[s.next].id));
      if (it == merges_.end() || it->second.new_id != c.new_id || it->second.rank != c.rank) continue;
      Symbol& right = syms[s.next];
      right.alive = false;
      s.id = c.new_id;
      s.next = right.next;
      if (s.next >= 0) syms[s.next].prev = c.pos;
      if (s.prev >= 0) consider(s.prev);
      consider(c.pos);
    }
    for (int32_t k = syms.empty() ? -1 : 0; k >= 0; k = syms[k].next) out.push_back(syms[k].id);
  }

  Vocab vocab_;
  std::unordered_map<uint64_t, MergeInfo> merges_;
  std::string prefix_, suffix_, unk_name_;
  std::optional<int32_t> unk_id_;
  bool fuse_unk_, byte_fallback_, ignore_merges_;
  std::array<int32_t, 256> byte_ids_{};
  WordCache cache_;
};

std::vector<std::pair<std::string, std::string>> parse_merges(const TJson& merges) {
  if (!merges.is_array()) throw Error("tokenizer.json: BPE 'merges' must be a list");
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(merges.size());
  for (const auto& m : merges) {
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        throw Error("tokenizer.json: the BPE merge \"" + s + "\" is not two tokens separated by one space");
      out.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      throw Error("tokenizer.json: a BPE merge must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  return out;
}

Vocab parse_vocab_object(const TJson& v, const char* where) {
  if (!v.is_object()) throw Error(std::string(where) + ": the vocabulary must be an object {token: id}");
  Vocab vocab;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_number_integer())
      throw Error(std::string(where) + ": the id of token '" + it.key() + "' is not an integer");
    vocab.add(it.key(), it.value().get<int64_t>());
  }
  return vocab;
}

}  // namespace

std::unique_ptr<Model> make_bpe(const TJson& j) {
  Vocab vocab = parse_vocab_object(require(j, "vocab", "BPE model"), "tokenizer.json");
  auto merges = parse_merges(j.contains("merges") ? j["merges"] : TJson::array());
  std::optional<std::string> unk;
  if (j.contains("unk_token") && j["unk_token"].is_string()) unk = j["unk_token"].get<std::string>();
  return std::make_unique<Bpe>(std::move(vocab), merges, unk, get_string(j, "continuing_subword_prefix", ""),
                               get_string(j, "end_of_word_suffix", ""), get_bool(j, "fuse_unk", false),
                               get_bool(j, "byte_fallback", false), get_bool(j, "ignore_merges", false));
}

std::unique_ptr<Model> make_bpe_from_files(const std::string& vocab_json, const std::string& merges_txt) {
  TJson v = TJson::parse(vocab_json, nullptr, false);
  if (v.is_discarded()) throw Error("vocab.json is not valid JSON");
  Vocab vocab = parse_vocab_object(v, "vocab.json");
  std::vector<std::pair<std::string, std::string>> merges;
  size_t pos = 0;
  while (pos < merges_txt.size()) {
    size_t nl = merges_txt.find('\n', pos);
    if (nl == std::string::npos) nl = merges_txt.size();
    std::string line = merges_txt.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    size_t sp = line.find(' ');
    if (sp == std::string::npos) throw Error("merges.txt: the line \"" + line + "\" is not two tokens");
    merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return std::make_unique<Bpe>(std::move(vocab), merges, std::nullopt, "", "", false, false, false);
}

}  // namespace lighteval::tokenizer
