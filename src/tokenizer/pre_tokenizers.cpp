// Pre-tokenizers of tokenizer.json. Each maps the list of pieces to a finer list.
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace lighteval::tokenizer {

namespace {

using unicode::next_cp;
using Matches = std::vector<std::pair<size_t, size_t>>;

// The GPT-2 regex that ByteLevel(use_regex=true) applies (tokenizers byte_level.rs).
constexpr const char* kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

template <class Pred>
void char_matches(const std::string& s, Pred pred, Matches& m) {
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    if (pred(next_cp(s, i))) m.emplace_back(start, i);
  }
}

template <class Fn>
void for_each_piece(std::vector<Piece>& pieces, Fn fn) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (auto& p : pieces) fn(p, out);
  pieces.swap(out);
}

SplitBehavior parse_behavior(const std::string& b) {
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  throw Error("tokenizer.json: unknown split behavior '" + b +
              "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Regex);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    Matches m;
    std::string tmp;
    for_each_piece(pieces, [&](Piece& p, std::vector<Piece>& out) {
      if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text.insert(0, " ");
      if (!regex_) {
        Piece q{std::string(), p.at_origin};
        unicode::byte_level_encode(p.text, q.text);
        if (!q.text.empty()) out.push_back(std::move(q));
        return;
      }
      m.clear();
      regex_->find_all(p.text, m);
      size_t prev = 0;
      auto emit = [&](size_t b, size_t e) {
        if (e == b) return;
        Piece q{std::string(), p.at_origin && b == 0};
        unicode::byte_level_encode(std::string_view(p.text).substr(b, e - b), q.text);
        out.push_back(std::move(q));
      };
      for (auto [b, e] : m) {
        emit(prev, b);
        emit(b, e);
        prev = e;
      }
      emit(prev, p.text.size());
    });
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Split : public PreTokenizer {
 public:
  Split(const TJson& pattern, SplitBehavior b, bool invert) : pattern_(pattern), behavior_(b), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    Matches m;
    for_each_piece(pieces, [&](Piece& p, std::vector<Piece>& out) {
      m.clear();
      pattern_.find_matches(p.text, m);
      split_by_matches(p.text, m, behavior_, invert_, p.at_origin, out);
    });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class Metaspace : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : rep_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    Matches m;
    for_each_piece(pieces, [&](Piece& p, std::vector<Piece>& out) {
      std::string s;
      s.reserve(p.text.size() + 8);
      for (char c : p.text) {
        if (c == ' ') s += rep_;
        else s.push_back(c);
      }
      bool starts = s.compare(0, rep_.size(), rep_) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && p.at_origin)))
        s.insert(0, rep_);
      if (!split_) {
        if (!s.empty()) out.push_back({std::move(s), p.at_origin});
        return;
      }
      m.clear();
      size_t pos = 0;
      while (!rep_.empty() && (pos = s.find(rep_, pos)) != std::string::npos) {
        m.emplace_back(pos, pos + rep_.size());
        pos += rep_.size();
      }
      split_by_matches(s, m, SplitBehavior::kMergedWithNext, false, p.at_origin, out);
    });
  }

 private:
  std::string rep_;
  PrependScheme scheme_;
  bool split_;
};

template <class Pred>
class CharSplit : public PreTokenizer {
 public:
  CharSplit(Pred pred, SplitBehavior b) : pred_(pred), behavior_(b) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    Matches m;
    for_each_piece(pieces, [&](Piece& p, std::vector<Piece>& out) {
      m.clear();
      char_matches(p.text, pred_, m);
      split_by_matches(p.text, m, behavior_, false, p.at_origin, out);
    });
  }

 private:
  Pred pred_;
  SplitBehavior behavior_;
};
template <class Pred>
std::unique_ptr<PreTokenizer> char_split(Pred pred, SplitBehavior b) {
  return std::make_unique<CharSplit<Pred>>(pred, b);
}

// `\w+|[^\w\s]+` with Rust regex's Unicode classes, keeping only the matches.
class Whitespace : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for_each_piece(pieces, [&](Piece& p, std::vector<Piece>& out) {
      const std::string& s = p.text;
      size_t i = 0;
      int run = 0;  // 0 none, 1 word, 2 other
      size_t run_start = 0;
      auto flush = [&](size_t end) {
        if (run != 0 && end > run_start) out.push_back({s.substr(run_start, end - run_start), p.at_origin && run_start == 0});
      };
      while (i < s.size()) {
        size_t start = i;
        char32_t c = next_cp(s, i);
        int kind = unicode::is_whitespace(c) ? 0 : unicode::is_word_char(c) ? 1 : 2;
        if (kind != run) {
          flush(start);
          run = kind;
          run_start = start;
        }
      }
      flush(s.size());
    });
  }
};

class SequencePre : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> items) : items_(std::move(items)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : items_) p->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> items_;
};

PrependScheme parse_scheme(const TJson& j) {
  if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string()) {
    std::string s = j["prepend_scheme"].get<std::string>();
    if (s == "always") return PrependScheme::kAlways;
    if (s == "first") return PrependScheme::kFirst;
    if (s == "never") return PrependScheme::kNever;
    throw Error("tokenizer.json: Metaspace prepend_scheme must be always, first or never, not '" + s + "'");
  }
  return get_bool(j, "add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const TJson& j) {
  if (j.is_null()) return nullptr;
  std::string type = get_string(j, "type", "");
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(get_bool(j, "add_prefix_space", true), get_bool(j, "use_regex", true));
  if (type == "Split")
    return std::make_unique<Split>(require(j, "pattern", "Split pre-tokenizer"),
                                   parse_behavior(get_string(j, "behavior", "Isolated")),
                                   get_bool(j, "invert", false));
  if (type == "Metaspace")
    return std::make_unique<Metaspace>(get_string(j, "replacement", "\xE2\x96\x81"), parse_scheme(j),
                                       get_bool(j, "split", true));
  if (type == "Digits") {
    auto b = get_bool(j, "individual_digits", false) ? SplitBehavior::kIsolated : SplitBehavior::kContiguous;
    return char_split([](char32_t c) { return unicode::is_numeric(c); }, b);
  }
  if (type == "Whitespace") return std::make_unique<Whitespace>();
  if (type == "WhitespaceSplit")
    return char_split([](char32_t c) { return unicode::is_whitespace(c); }, SplitBehavior::kRemoved);
  if (type == "Punctuation")
    return char_split([](char32_t c) { return unicode::is_punctuation(c); },
                      parse_behavior(get_string(j, "behavior", "Isolated")));
  if (type == "CharDelimiterSplit") {
    std::string d = get_string(j, "delimiter", "");
    size_t pos = 0;
    if (d.empty()) throw Error("tokenizer.json: CharDelimiterSplit needs a one-character 'delimiter'");
    char32_t dc = next_cp(d, pos);
    return char_split([dc](char32_t c) { return c == dc; }, SplitBehavior::kRemoved);
  }
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> items;
    items.push_back(char_split([](char32_t c) { return unicode::is_whitespace(c); }, SplitBehavior::kRemoved));
    items.push_back(char_split([](char32_t c) { return unicode::is_punctuation(c); }, SplitBehavior::kIsolated));
    return std::make_unique<SequencePre>(std::move(items));
  }
  if (type == "Sequence") {
    const TJson& list = require(j, "pretokenizers", "Sequence pre-tokenizer");
    if (!list.is_array()) throw Error("tokenizer.json: Sequence pre-tokenizer's 'pretokenizers' must be a list");
    std::vector<std::unique_ptr<PreTokenizer>> items;
    for (const auto& p : list)
      if (auto q = make_pre_tokenizer(p)) items.push_back(std::move(q));
    return std::make_unique<SequencePre>(std::move(items));
  }
  throw Error("tokenizer.json: unsupported pre-tokenizer type '" + type +
              "' (supported: ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, "
              "Punctuation, CharDelimiterSplit, BertPreTokenizer, Sequence)");
}

}  // namespace lighteval::tokenizer
