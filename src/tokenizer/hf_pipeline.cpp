// The tokenizer.json pipeline (tokenizers' TokenizerImpl::encode/decode, without offsets).
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "tokenizer/components.h"
#include "tokenizer/pipeline.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace lighteval::tokenizer {

namespace {

using unicode::next_cp;

// Leftmost-longest matching of a set of strings (Aho-Corasick's MatchKind::LeftmostLongest),
// through a byte trie: added-token sets are small and matches are rare.
class TokenMatcher {
 public:
  void build(const std::vector<std::pair<std::string, int32_t>>& patterns) {
    nodes_.assign(1, Node{});
    first_.fill(false);
    for (const auto& [s, id] : patterns) {
      if (s.empty()) continue;
      first_[static_cast<unsigned char>(s[0])] = true;
      int n = 0;
      for (unsigned char c : s) {
        auto it = nodes_[n].next.find(c);
        if (it == nodes_[n].next.end()) {
          nodes_.push_back(Node{});
          int child = static_cast<int>(nodes_.size()) - 1;
          nodes_[n].next[c] = child;
          n = child;
        } else {
          n = it->second;
        }
      }
      if (nodes_[n].id < 0) nodes_[n].id = id;
    }
    empty_ = nodes_.size() == 1;
  }
  bool empty() const { return empty_; }
  // Longest pattern starting at `pos`: its length (0 if none) and id.
  size_t longest_at(std::string_view s, size_t pos, int32_t& id) const {
    if (!first_[static_cast<unsigned char>(s[pos])]) return 0;
    int n = 0;
    size_t best = 0;
    for (size_t k = pos; k < s.size(); ++k) {
      auto it = nodes_[n].next.find(static_cast<unsigned char>(s[k]));
      if (it == nodes_[n].next.end()) break;
      n = it->second;
      if (nodes_[n].id >= 0) {
        best = k + 1 - pos;
        id = nodes_[n].id;
      }
    }
    return best;
  }

 private:
  struct Node {
    std::map<unsigned char, int> next;
    int32_t id = -1;
  };
  std::vector<Node> nodes_{1};
  std::array<bool, 256> first_{};
  bool empty_ = true;
};

// A stretch of the input: either text still to tokenize, or an added token already found.
struct Segment {
  std::string text;
  int32_t id = -1;
  bool at_origin = false;
};

bool last_char_is_word(std::string_view s) {
  if (s.empty()) return false;
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t p = start;
  return unicode::is_word_char(next_cp(s, p));
}
bool first_char_is_word(std::string_view s) {
  if (s.empty()) return false;
  size_t p = 0;
  return unicode::is_word_char(next_cp(s, p));
}
size_t whitespace_run_before(std::string_view s, size_t end) {  // start of the trailing \s* run
  size_t b = end;
  while (b > 0) {
    size_t start = b - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t p = start;
    if (!unicode::is_whitespace(next_cp(s, p))) break;
    b = start;
  }
  return b;
}
size_t whitespace_run_after(std::string_view s, size_t begin) {
  size_t e = begin;
  while (e < s.size()) {
    size_t p = e;
    if (!unicode::is_whitespace(next_cp(s, p))) break;
    e = p;
  }
  return e;
}

class HfPipeline : public Pipeline {
 public:
  explicit HfPipeline(const TJson& j) {
    if (!j.is_object()) throw Error("tokenizer.json: the top level must be a JSON object");
    model_ = make_model(require(j, "model", "the top level"));
    normalizer_ = make_normalizer(j.value("normalizer", TJson()));
    pre_tokenizer_ = make_pre_tokenizer(j.value("pre_tokenizer", TJson()));
    post_processor_ = make_post_processor(j.value("post_processor", TJson()));
    decoder_ = make_decoder(j.value("decoder", TJson()));
    std::vector<AddedToken> added;
    if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
      if (!j["added_tokens"].is_array()) throw Error("tokenizer.json: 'added_tokens' must be a list");
      for (const auto& t : j["added_tokens"]) {
        AddedToken a;
        a.content = get_string(t, "content", "");
        if (!t.contains("id") || !t["id"].is_number_integer())
          throw Error("tokenizer.json: an added token lacks an integer 'id'");
        int64_t id = t["id"].get<int64_t>();
        if (id < 0 || id > (int64_t{1} << 31) - 2) throw Error("tokenizer.json: an added token id is out of range");
        a.id = static_cast<int32_t>(id);
        a.special = get_bool(t, "special", false);
        a.normalized = get_bool(t, "normalized", !a.special);
        a.lstrip = get_bool(t, "lstrip", false);
        a.rstrip = get_bool(t, "rstrip", false);
        a.single_word = get_bool(t, "single_word", false);
        added.push_back(std::move(a));
      }
    }
    add_tokens(added);
  }

  HfPipeline(std::unique_ptr<Model> model, std::unique_ptr<PreTokenizer> pre, std::unique_ptr<Decoder> dec)
      : model_(std::move(model)), pre_tokenizer_(std::move(pre)), decoder_(std::move(dec)) {}

  void add_tokens(const std::vector<AddedToken>& tokens) override {
    for (const auto& t0 : tokens) {
      if (t0.content.empty()) continue;
      AddedToken t = t0;
      auto known = by_content_.find(t.content);
      if (known != by_content_.end()) {
        if (t.id < 0) t.id = known->second;
        // A token already declared keeps its tokenizer.json definition.
        if (by_id_.count(t.id)) continue;
      }
      if (t.id < 0) {
        if (auto mid = model_->token_to_id(t.content)) t.id = *mid;
        else t.id = static_cast<int32_t>(std::max(next_free_id(), model_->vocab_size()));
      }
      by_content_[t.content] = t.id;
      by_id_[t.id] = t;
      order_.push_back(t.id);
    }
    rebuild_matchers();
  }

  void set_bos_eos(std::optional<int32_t> bos, std::optional<int32_t> eos) override {
    bos_eos_override_ = true;
    bos_ = bos;
    eos_ = eos;
  }

  void encode(std::string_view text, bool add_special, std::vector<int32_t>& out) const override {
    size_t start = out.size();
    std::vector<Segment> segs;
    split_added(text, raw_matcher_, true, segs);
    std::vector<Segment> final_segs;
    for (auto& s : segs) {
      if (s.id >= 0) {
        final_segs.push_back(std::move(s));
        continue;
      }
      if (normalizer_) normalizer_->normalize(s.text);
      if (s.text.empty()) continue;
      if (normalized_matcher_.empty()) {
        final_segs.push_back(std::move(s));
      } else {
        std::vector<Segment> sub;
        split_added(s.text, normalized_matcher_, s.at_origin, sub);
        for (auto& q : sub) final_segs.push_back(std::move(q));
      }
    }
    std::vector<Piece> pieces;
    for (auto& s : final_segs) {
      if (s.id >= 0) {
        out.push_back(s.id);
        continue;
      }
      if (s.text.empty()) continue;
      pieces.clear();
      pieces.push_back({std::move(s.text), s.at_origin});
      if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
      for (const auto& p : pieces)
        if (!p.text.empty()) model_->tokenize(p.text, out);
    }
    if (add_special) {
      if (bos_eos_override_) {
        if (bos_) out.insert(out.begin() + static_cast<std::ptrdiff_t>(start), *bos_);
        if (eos_) out.push_back(*eos_);
      } else if (post_processor_) {
        std::vector<int32_t> mine(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
        post_processor_->process(mine);
        out.resize(start);
        out.insert(out.end(), mine.begin(), mine.end());
      }
    }
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
      auto it = by_id_.find(id);
      if (it != by_id_.end()) {
        if (skip_special && it->second.special) continue;
        tokens.push_back(it->second.content);
      } else if (const std::string* t = model_->id_to_token(id)) {
        tokens.push_back(*t);
      }
      // Ids with no token are skipped, as tokenizers does.
    }
    if (decoder_) {
      decoder_->decode_chain(tokens);
      std::string out;
      for (const auto& t : tokens) out += t;
      return out;
    }
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out.push_back(' ');
      out += tokens[i];
    }
    return out;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    auto it = by_content_.find(std::string(token));
    if (it != by_content_.end()) return it->second;
    return model_->token_to_id(token);
  }
  std::optional<std::string> id_to_token(int32_t id) const override {
    auto it = by_id_.find(id);
    if (it != by_id_.end()) return it->second.content;
    if (const std::string* t = model_->id_to_token(id)) return *t;
    return std::nullopt;
  }
  size_t vocab_size() const override {
    size_t n = model_->vocab_size();
    for (const auto& [content, id] : by_content_)
      if (!model_->token_to_id(content)) ++n;
    return n;
  }
  bool is_special(int32_t id) const override {
    auto it = by_id_.find(id);
    return it != by_id_.end() && it->second.special;
  }

 private:
  size_t next_free_id() const {
    size_t m = 0;
    for (const auto& [id, t] : by_id_) m = std::max(m, static_cast<size_t>(id) + 1);
    return m;
  }

  void rebuild_matchers() {
    std::vector<std::pair<std::string, int32_t>> raw, norm;
    // Special tokens first, then the others, in declaration order (refresh_added_tokens).
    for (int pass = 0; pass < 2; ++pass)
      for (int32_t id : order_) {
        const AddedToken& t = by_id_.at(id);
        if (t.special != (pass == 0)) continue;
        if (!t.normalized) {
          raw.emplace_back(t.content, id);
        } else {
          std::string n = t.content;
          if (normalizer_) normalizer_->normalize(n);
          norm.emplace_back(n, id);
        }
      }
    raw_matcher_.build(raw);
    normalized_matcher_.build(norm);
  }

  // tokenizers' AddedVocabulary::find_matches + split_with_indices.
  void split_added(std::string_view s, const TokenMatcher& m, bool at_origin, std::vector<Segment>& out) const {
    if (m.empty() || s.empty()) {
      out.push_back({std::string(s), -1, at_origin});
      return;
    }
    size_t pos = 0, start_offset = 0;
    while (pos < s.size()) {
      int32_t id = -1;
      size_t len = m.longest_at(s, pos, id);
      if (len == 0) {
        ++pos;
        continue;
      }
      size_t start = pos, stop = pos + len;
      pos = stop;
      const AddedToken& t = by_id_.at(id);
      if (t.single_word) {
        bool start_space = start == 0 || !last_char_is_word(s.substr(0, start));
        bool stop_space = stop == s.size() || !first_char_is_word(s.substr(stop));
        if (!start_space || !stop_space) continue;
      }
      if (t.lstrip) start = std::max(whitespace_run_before(s, start), start_offset);
      if (t.rstrip) stop = whitespace_run_after(s, stop);
      if (start_offset < start)
        out.push_back({std::string(s.substr(start_offset, start - start_offset)), -1, at_origin && start_offset == 0});
      out.push_back({std::string(), id, false});
      start_offset = stop;
      pos = std::max(pos, stop);
    }
    if (start_offset < s.size())
      out.push_back({std::string(s.substr(start_offset)), -1, at_origin && start_offset == 0});
  }

  std::unique_ptr<Model> model_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::unordered_map<std::string, int32_t> by_content_;
  std::unordered_map<int32_t, AddedToken> by_id_;
  std::vector<int32_t> order_;
  TokenMatcher raw_matcher_, normalized_matcher_;
  bool bos_eos_override_ = false;
  std::optional<int32_t> bos_, eos_;
};

}  // namespace

std::unique_ptr<Pipeline> make_hf_pipeline(const TJson& tokenizer_json) {
  return std::make_unique<HfPipeline>(tokenizer_json);
}

std::unique_ptr<Pipeline> make_gpt2_pipeline(const std::string& vocab_json, const std::string& merges_txt,
                                             bool add_prefix_space) {
  TJson pre = {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"use_regex", true}};
  return std::make_unique<HfPipeline>(make_bpe_from_files(vocab_json, merges_txt), make_pre_tokenizer(pre),
                                      make_decoder(TJson{{"type", "ByteLevel"}}));
}

}  // namespace lighteval::tokenizer
