// Normalizers of tokenizer.json. Each works on valid UTF-8 (the pipeline sanitizes input first).
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace lighteval::tokenizer {

namespace {

using unicode::next_cp;

class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(std::string (*fn)(std::string_view)) : fn_(fn) {}
  void normalize(std::string& s) const override {
    // ASCII is invariant under every normalization form: skip the copy for the common case.
    for (unsigned char c : s)
      if (c >= 0x80) {
        s = fn_(s);
        return;
      }
  }

 private:
  std::string (*fn_)(std::string_view);
};

class Lowercase : public Normalizer {
 public:
  void normalize(std::string& s) const override { s = unicode::lowercase(s); }
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      while (b < e) {
        size_t p = b;
        if (!unicode::is_whitespace(next_cp(s, p))) break;
        b = p;
      }
    }
    if (right_) {
      while (e > b) {
        size_t start = e - 1;
        while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        size_t p = start;
        if (!unicode::is_whitespace(next_cp(s, p))) break;
        e = start;
      }
    }
    s = s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class StripAccents : public Normalizer {
 public:
  void normalize(std::string& s) const override {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
      size_t start = i;
      char32_t c = next_cp(s, i);
      if (!unicode::is_combining_mark(c)) out.append(s, start, i - start);
    }
    s.swap(out);
  }
};

class Replace : public Normalizer {
 public:
  Replace(const TJson& pattern, std::string content) : pattern_(pattern), content_(std::move(content)) {}
  void normalize(std::string& s) const override {
    std::vector<std::pair<size_t, size_t>> m;
    pattern_.find_matches(s, m);
    if (m.empty()) return;
    std::string out;
    out.reserve(s.size() + m.size() * content_.size());
    size_t prev = 0;
    for (auto [b, e] : m) {
      out.append(s, prev, b - prev);
      out += content_;
      prev = e;
    }
    out.append(s, prev, std::string::npos);
    s.swap(out);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(std::string& s) const override {
    if (!s.empty()) s.insert(0, prepend_);
  }

 private:
  std::string prepend_;
};

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean, bool chinese, std::optional<bool> strip_accents, bool lower)
      : clean_(clean), chinese_(chinese), strip_accents_(strip_accents.value_or(lower)), lower_(lower) {}
  void normalize(std::string& s) const override {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
      size_t start = i;
      char32_t c = next_cp(s, i);
      if (clean_) {
        if (c == 0 || c == 0xFFFD || unicode::is_control(c)) continue;
        if (unicode::is_whitespace(c)) {
          out.push_back(' ');
          continue;
        }
      }
      if (chinese_ && unicode::is_cjk(c)) {
        out.push_back(' ');
        out.append(s, start, i - start);
        out.push_back(' ');
        continue;
      }
      out.append(s, start, i - start);
    }
    if (strip_accents_) {
      out = unicode::nfd(out);
      StripAccents().normalize(out);
    }
    if (lower_) out = unicode::lowercase(out);
    s.swap(out);
  }

 private:
  bool clean_, chinese_, strip_accents_, lower_;
};

class ByteLevelNormalizer : public Normalizer {
 public:
  void normalize(std::string& s) const override {
    std::string out;
    unicode::byte_level_encode(s, out);
    s.swap(out);
  }
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> n) : items_(std::move(n)) {}
  void normalize(std::string& s) const override {
    for (const auto& n : items_) n->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> items_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const TJson& j) {
  if (j.is_null()) return nullptr;
  std::string type = get_string(j, "type", "");
  if (type == "NFC") return std::make_unique<UnicodeForm>(&unicode::nfc);
  if (type == "NFD") return std::make_unique<UnicodeForm>(&unicode::nfd);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(&unicode::nfkc);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(&unicode::nfkd);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip")
    return std::make_unique<Strip>(get_bool(j, "strip_left", true), get_bool(j, "strip_right", true));
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "Replace")
    return std::make_unique<Replace>(require(j, "pattern", "Replace normalizer"),
                                     get_string(j, "content", ""));
  if (type == "Prepend") return std::make_unique<Prepend>(get_string(j, "prepend", ""));
  if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  if (type == "BertNormalizer") {
    std::optional<bool> sa;
    if (j.contains("strip_accents") && j["strip_accents"].is_boolean()) sa = j["strip_accents"].get<bool>();
    return std::make_unique<BertNormalizer>(get_bool(j, "clean_text", true),
                                            get_bool(j, "handle_chinese_chars", true), sa,
                                            get_bool(j, "lowercase", true));
  }
  if (type == "Sequence") {
    const TJson& list = require(j, "normalizers", "Sequence normalizer");
    if (!list.is_array()) throw Error("tokenizer.json: Sequence normalizer's 'normalizers' must be a list");
    std::vector<std::unique_ptr<Normalizer>> items;
    for (const auto& n : list)
      if (auto p = make_normalizer(n)) items.push_back(std::move(p));
    return std::make_unique<Sequence>(std::move(items));
  }
  if (type == "Precompiled") {
    // An empty charsmap is the identity; a real one is SentencePiece's compiled rule table.
    std::string map = get_string(j, "precompiled_charsmap", "");
    if (map.empty()) return nullptr;
    throw Error("tokenizer.json: the Precompiled normalizer (a SentencePiece charsmap) is not "
                "supported; use the model's tokenizer.model instead");
  }
  throw Error("tokenizer.json: unsupported normalizer type '" + type +
              "' (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, "
              "ByteLevel, BertNormalizer, Sequence)");
}

}  // namespace lighteval::tokenizer
