// Unigram and WordPiece models, and the model factory.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/error.h"

namespace lighteval::tokenizer {

std::unique_ptr<Model> make_bpe(const TJson& j);  // bpe.cpp

namespace {

// Viterbi segmentation maximising the sum of piece scores (tokenizers models/unigram, its
// encode_optimized); unknown characters cost min_score - 10 and consecutive ones are fused.
class Unigram : public Model {
 public:
  Unigram(const TJson& vocab, std::optional<int64_t> unk_id, bool byte_fallback) : byte_fallback_(byte_fallback) {
    if (!vocab.is_array()) throw Error("tokenizer.json: Unigram 'vocab' must be a list of [piece, score]");
    int32_t id = 0;
    min_score_ = std::numeric_limits<double>::infinity();
    for (const auto& e : vocab) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
        throw Error("tokenizer.json: a Unigram vocab entry must be [piece, score]");
      std::string piece = e[0].get<std::string>();
      double score = e[1].get<double>();
      max_len_ = std::max(max_len_, piece.size());
      vocab_.add(piece, id++);
      scores_.push_back(score);
      min_score_ = std::min(min_score_, score);
    }
    if (unk_id) {
      if (*unk_id < 0 || *unk_id >= id) throw Error("tokenizer.json: Unigram unk_id is out of the vocabulary");
      unk_id_ = static_cast<int32_t>(*unk_id);
    }
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      byte_ids_[b] = vocab_.find(name).value_or(-1);
    }
  }

  void tokenize(std::string_view s, std::vector<int32_t>& out) const override {
    struct Node {
      double score = 0;
      int64_t start = -1;
      int32_t id = -1;
    };
    const double unk_score = min_score_ - 10.0;
    std::vector<Node> best(s.size() + 1);
    best[0].start = 0;
    size_t pos = 0;
    while (pos < s.size()) {
      size_t mblen = unicode::cp_len(static_cast<unsigned char>(s[pos]));
      if (pos + mblen > s.size()) mblen = s.size() - pos;
      double here = best[pos].score;
      bool single = false;
      for (size_t len = 1; len <= max_len_ && pos + len <= s.size(); ++len) {
        auto id = vocab_.find(s.substr(pos, len));
        if (!id) continue;
        Node& t = best[pos + len];
        double cand = here + scores_[*id];
        if (t.start < 0 || cand > t.score) t = {cand, static_cast<int64_t>(pos), *id};
        if (len == mblen) single = true;
      }
      if (!single) {
        Node& t = best[pos + mblen];
        double cand = here + unk_score;
        if (t.start < 0 || cand > t.score) t = {cand, static_cast<int64_t>(pos), unk_id_.value_or(-1)};
      }
      pos += mblen;
    }
    // Backtrack into strings, fusing unknown runs, then map strings to ids.
    std::vector<std::pair<size_t, size_t>> pieces;
    size_t end = s.size();
    std::optional<std::pair<size_t, size_t>> unk_run;
    while (end > 0) {
      const Node& n = best[end];
      size_t start = static_cast<size_t>(n.start);
      if (unk_id_ && n.id == *unk_id_) {
        unk_run = unk_run ? std::make_pair(start, unk_run->second) : std::make_pair(start, end);
      } else {
        if (unk_run) pieces.push_back(*unk_run), unk_run.reset();
        pieces.emplace_back(start, end);
      }
      end = start;
    }
    if (unk_run) pieces.push_back(*unk_run);
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
      std::string_view p = s.substr(it->first, it->second - it->first);
      if (auto id = vocab_.find(p)) {
        out.push_back(*id);
        continue;
      }
      if (byte_fallback_) {
        bool all = true;
        for (unsigned char c : p) all = all && byte_ids_[c] >= 0;
        if (all) {
          for (unsigned char c : p) out.push_back(byte_ids_[c]);
          continue;
        }
      }
      if (!unk_id_) throw Error("tokenizer: a Unigram model without unk_id met an unknown character");
      out.push_back(*unk_id_);
    }
  }

  std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  Vocab vocab_;
  std::vector<double> scores_;
  double min_score_ = 0;
  size_t max_len_ = 0;
  std::optional<int32_t> unk_id_;
  bool byte_fallback_;
  std::array<int32_t, 256> byte_ids_{};
};

// Greedy longest-match-first (tokenizers models/wordpiece).
class WordPiece : public Model {
 public:
  WordPiece(Vocab vocab, std::string unk, std::string prefix, size_t max_chars)
      : vocab_(std::move(vocab)), unk_(std::move(unk)), prefix_(std::move(prefix)), max_chars_(max_chars) {}

  void tokenize(std::string_view w, std::vector<int32_t>& out) const override {
    size_t chars = 0;
    for (unsigned char c : w) chars += (c & 0xC0) != 0x80;
    if (chars > max_chars_) {
      out.push_back(unk_id());
      return;
    }
    std::vector<int32_t> sub;
    std::string buf;
    size_t start = 0;
    while (start < w.size()) {
      size_t end = w.size();
      std::optional<int32_t> found;
      while (start < end) {
        buf.clear();
        if (start > 0) buf += prefix_;
        buf.append(w.substr(start, end - start));
        if ((found = vocab_.find(buf))) break;
        do --end; while (end > start && (static_cast<unsigned char>(w[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        out.push_back(unk_id());
        return;
      }
      sub.push_back(*found);
      start = end;
    }
    out.insert(out.end(), sub.begin(), sub.end());
  }

  std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  int32_t unk_id() const {
    auto id = vocab_.find(unk_);
    if (!id) throw Error("tokenizer: the WordPiece unk token '" + unk_ + "' is not in the vocabulary");
    return *id;
  }
  Vocab vocab_;
  std::string unk_, prefix_;
  size_t max_chars_;
};

}  // namespace

std::unique_ptr<Model> make_model(const TJson& j) {
  if (!j.is_object()) throw Error("tokenizer.json: 'model' must be an object");
  std::string type = get_string(j, "type", "");
  if (type.empty()) {  // files written before the tag existed
    if (j.contains("merges")) type = "BPE";
    else if (j.contains("vocab") && j["vocab"].is_array()) type = "Unigram";
    else if (j.contains("max_input_chars_per_word")) type = "WordPiece";
  }
  if (type == "BPE") return make_bpe(j);
  if (type == "Unigram") {
    std::optional<int64_t> unk;
    if (j.contains("unk_id") && j["unk_id"].is_number_integer()) unk = j["unk_id"].get<int64_t>();
    return std::make_unique<Unigram>(require(j, "vocab", "Unigram model"), unk, get_bool(j, "byte_fallback", false));
  }
  if (type == "WordPiece") {
    const TJson& v = require(j, "vocab", "WordPiece model");
    if (!v.is_object()) throw Error("tokenizer.json: WordPiece 'vocab' must be an object");
    Vocab vocab;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it.value().is_number_integer()) throw Error("tokenizer.json: WordPiece ids must be integers");
      vocab.add(it.key(), it.value().get<int64_t>());
    }
    int64_t max_chars = j.contains("max_input_chars_per_word") && j["max_input_chars_per_word"].is_number_integer()
                            ? j["max_input_chars_per_word"].get<int64_t>() : 100;
    return std::make_unique<WordPiece>(std::move(vocab), get_string(j, "unk_token", "[UNK]"),
                                       get_string(j, "continuing_subword_prefix", "##"),
                                       static_cast<size_t>(std::max<int64_t>(0, max_chars)));
  }
  throw Error("tokenizer.json: unsupported model type '" + type + "' (supported: BPE, Unigram, WordPiece)");
}

}  // namespace lighteval::tokenizer
