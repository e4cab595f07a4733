// Post-processors (special tokens around a single sequence) and decoders (tokens -> text).
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/text_cleanup.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace lighteval::tokenizer {

namespace {

using unicode::next_cp;

// ---- post-processors ------------------------------------------------------------------------

class Template : public PostProcessor {
 public:
  explicit Template(const TJson& j) {
    const TJson& single = require(j, "single", "TemplateProcessing");
    const TJson& specials = j.contains("special_tokens") ? j["special_tokens"] : TJson::object();
    if (!single.is_array()) throw Error("tokenizer.json: TemplateProcessing 'single' must be a list");
    for (const auto& piece : single) {
      if (piece.contains("Sequence")) {
        items_.push_back({true, {}});
      } else if (piece.contains("SpecialToken")) {
        std::string name = get_string(piece["SpecialToken"], "id", "");
        if (!specials.contains(name) || !specials[name].contains("ids") || !specials[name]["ids"].is_array())
          throw Error("tokenizer.json: TemplateProcessing uses the special token '" + name +
                      "' but 'special_tokens' does not define its ids");
        Item it{false, {}};
        for (const auto& id : specials[name]["ids"]) {
          if (!id.is_number_integer()) throw Error("tokenizer.json: special token ids must be integers");
          it.ids.push_back(id.get<int32_t>());
        }
        items_.push_back(std::move(it));
      } else {
        throw Error("tokenizer.json: a TemplateProcessing piece must be a Sequence or a SpecialToken");
      }
    }
  }
  void process(std::vector<int32_t>& ids) const override {
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& it : items_) {
      if (it.sequence) out.insert(out.end(), ids.begin(), ids.end());
      else out.insert(out.end(), it.ids.begin(), it.ids.end());
    }
    ids.swap(out);
  }

 private:
  struct Item {
    bool sequence;
    std::vector<int32_t> ids;
  };
  std::vector<Item> items_;
};

class Surround : public PostProcessor {  // RobertaProcessing / BertProcessing: cls A sep
 public:
  Surround(int32_t cls, int32_t sep) : cls_(cls), sep_(sep) {}
  void process(std::vector<int32_t>& ids) const override {
    ids.insert(ids.begin(), cls_);
    ids.push_back(sep_);
  }

 private:
  int32_t cls_, sep_;
};

class NoOp : public PostProcessor {  // ByteLevel: only offsets change
 public:
  void process(std::vector<int32_t>&) const override {}
};

class SequencePost : public PostProcessor {
 public:
  explicit SequencePost(std::vector<std::unique_ptr<PostProcessor>> items) : items_(std::move(items)) {}
  void process(std::vector<int32_t>& ids) const override {
    for (const auto& p : items_) p->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> items_;
};

int32_t pair_id(const TJson& j, const char* key, const char* where) {
  const TJson& p = require(j, key, where);
  if (!p.is_array() || p.size() != 2 || !p[1].is_number_integer())
    throw Error(std::string("tokenizer.json: ") + where + " '" + key + "' must be [token, id]");
  return p[1].get<int32_t>();
}

// ---- decoders --------------------------------------------------------------------------------

class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      size_t mark = bytes.size(), i = 0;
      bool ok = true;
      while (i < t.size()) {
        int b = unicode::char_to_byte(next_cp(t, i));
        if (b < 0) {
          ok = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!ok) {  // a token outside the byte alphabet (an added token) is taken as it is
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, unicode::sanitize_utf8(bytes));
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string rep, bool strip_first) : rep_(std::move(rep)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& t = tokens[i];
      size_t p = 0;
      while (p < t.size()) {
        if (!rep_.empty() && t.compare(p, rep_.size(), rep_) == 0) {
          if (!(i == 0 && strip_first_)) out.push_back(' ');
          p += rep_.size();
        } else {
          out.push_back(t[p++]);
        }
      }
      tokens[i].swap(out);
    }
  }

 private:
  std::string rep_;
  bool strip_first_;
};

class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t nbytes = 0;
    auto flush = [&] {
      if (nbytes == 0) return;
      if (unicode::is_valid_utf8(bytes)) {
        out.push_back(bytes);
      } else {
        for (size_t k = 0; k < nbytes; ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
      nbytes = 0;
    };
    for (auto& t : tokens) {
      int v = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
        int h = hex(t[3]), l = hex(t[4]);
        if (h >= 0 && l >= 0) v = h * 16 + l;
      }
      if (v >= 0) {
        bytes.push_back(static_cast<char>(v));
        ++nbytes;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens.swap(out);
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t c, size_t start, size_t stop) : c_(c), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::vector<size_t> bounds;  // byte offset of each char
      size_t i = 0;
      std::vector<char32_t> cps;
      while (i < t.size()) {
        bounds.push_back(i);
        cps.push_back(next_cp(t, i));
      }
      bounds.push_back(t.size());
      size_t n = cps.size(), start_cut = 0, stop_cut = n;
      for (size_t k = 0; k < n && k < start_ && cps[k] == c_; ++k) start_cut = k + 1;
      for (size_t k = 0; k < n && k < stop_ && cps[n - 1 - k] == c_; ++k) stop_cut = n - k - 1;
      if (stop_cut < start_cut) stop_cut = start_cut;
      t = t.substr(bounds[start_cut], bounds[stop_cut] - bounds[start_cut]);
    }
  }

 private:
  char32_t c_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(const TJson& pattern, std::string content) : pattern_(pattern), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& t : tokens) {
      m.clear();
      pattern_.find_matches(t, m);
      if (m.empty()) continue;
      std::string out;
      size_t prev = 0;
      for (auto [b, e] : m) {
        out.append(t, prev, b - prev);
        out += content_;
        prev = e;
      }
      out.append(t, prev, std::string::npos);
      t.swap(out);
    }
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      auto& t = tokens[i];
      if (i != 0) {
        if (t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
        else t.insert(0, " ");
      }
      if (cleanup_) t = clean_up_tokenization(t, /*wordpiece=*/true);
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      std::string rep = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      size_t prev = 0, pos;
      while (!suffix_.empty() && (pos = t.find(suffix_, prev)) != std::string::npos) {
        out.append(t, prev, pos - prev);
        out += rep;
        prev = pos + suffix_.size();
      }
      out.append(t, prev, std::string::npos);
      t.swap(out);
    }
  }

 private:
  std::string suffix_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> items) : items_(std::move(items)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& d : items_) d->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> items_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const TJson& j) {
  if (j.is_null()) return nullptr;
  std::string type = get_string(j, "type", "");
  if (type == "TemplateProcessing") return std::make_unique<Template>(j);
  if (type == "ByteLevel") return std::make_unique<NoOp>();
  if (type == "RobertaProcessing")
    return std::make_unique<Surround>(pair_id(j, "cls", "RobertaProcessing"), pair_id(j, "sep", "RobertaProcessing"));
  if (type == "BertProcessing")
    return std::make_unique<Surround>(pair_id(j, "cls", "BertProcessing"), pair_id(j, "sep", "BertProcessing"));
  if (type == "Sequence") {
    const TJson& list = require(j, "processors", "Sequence post-processor");
    if (!list.is_array()) throw Error("tokenizer.json: Sequence post-processor's 'processors' must be a list");
    std::vector<std::unique_ptr<PostProcessor>> items;
    for (const auto& p : list)
      if (auto q = make_post_processor(p)) items.push_back(std::move(q));
    return std::make_unique<SequencePost>(std::move(items));
  }
  throw Error("tokenizer.json: unsupported post-processor type '" + type +
              "' (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)");
}

std::unique_ptr<Decoder> make_decoder(const TJson& j) {
  if (j.is_null()) return nullptr;
  std::string type = get_string(j, "type", "");
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    bool strip_first;
    if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string())
      strip_first = j["prepend_scheme"].get<std::string>() != "never";
    else
      strip_first = get_bool(j, "add_prefix_space", true);
    return std::make_unique<MetaspaceDecoder>(get_string(j, "replacement", "\xE2\x96\x81"), strip_first);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    std::string content = get_string(j, "content", " ");
    size_t p = 0;
    char32_t c = content.empty() ? U' ' : next_cp(content, p);
    auto num = [&](const char* k) {
      return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<size_t>() : size_t{0};
    };
    return std::make_unique<StripDecoder>(c, num("start"), num("stop"));
  }
  if (type == "Replace")
    return std::make_unique<ReplaceDecoder>(require(j, "pattern", "Replace decoder"), get_string(j, "content", ""));
  if (type == "WordPiece")
    return std::make_unique<WordPieceDecoder>(get_string(j, "prefix", "##"), get_bool(j, "cleanup", true));
  if (type == "BPEDecoder") return std::make_unique<BpeDecoder>(get_string(j, "suffix", "</w>"));
  if (type == "Sequence") {
    const TJson& list = require(j, "decoders", "Sequence decoder");
    if (!list.is_array()) throw Error("tokenizer.json: Sequence decoder's 'decoders' must be a list");
    std::vector<std::unique_ptr<Decoder>> items;
    for (const auto& d : list)
      if (auto q = make_decoder(d)) items.push_back(std::move(q));
    return std::make_unique<SequenceDecoder>(std::move(items));
  }
  throw Error("tokenizer.json: unsupported decoder type '" + type +
              "' (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, WordPiece, "
              "BPEDecoder, Sequence)");
}

}  // namespace lighteval::tokenizer
