// A bare tokenizer.model through libsentencepiece. Encoding splits out the control and
// user-defined pieces written literally in the text first (as transformers does with its
// special tokens) and lets SentencePiece encode each stretch between them. Decoding follows the
// decoder transformers' LlamaConverter gives such models: "▁" -> " ", <0xHH> byte runs -> UTF-8,
// then one leading space stripped; special pieces are kept verbatim unless skipped.
#include <sentencepiece_processor.h>

#include <array>
#include <string>
#include <unordered_map>

#include "tokenizer/pipeline.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace lighteval::tokenizer {

namespace {

class SentencePiecePipeline : public Pipeline {
 public:
  explicit SentencePiecePipeline(const std::string& proto) {
    auto status = sp_.LoadFromSerializedProto(proto);
    if (!status.ok())
      throw Error("tokenizer.model is not a valid SentencePiece model: " + status.ToString());
    for (int i = 0; i < sp_.GetPieceSize(); ++i) {
      if (sp_.IsControl(i) || sp_.IsUnknown(i)) {
        specials_[sp_.IdToPiece(i)] = i;
        first_byte_[static_cast<unsigned char>(sp_.IdToPiece(i)[0])] = true;
      }
    }
    if (sp_.bos_id() >= 0) bos_ = sp_.bos_id();
  }

  void encode(std::string_view text, bool add_special, std::vector<int32_t>& out) const override {
    if (add_special && bos_) out.push_back(*bos_);
    size_t prev = 0, pos = 0;
    auto flush = [&](size_t end) {
      if (end <= prev) return;
      std::vector<int> ids;
      auto st = sp_.Encode(std::string_view(text.data() + prev, end - prev), &ids);
      if (!st.ok()) throw Error("SentencePiece failed to encode the text: " + st.ToString());
      out.insert(out.end(), ids.begin(), ids.end());
    };
    while (pos < text.size()) {
      size_t best = 0;
      int32_t best_id = -1;
      if (first_byte_[static_cast<unsigned char>(text[pos])]) {
        for (const auto& [piece, id] : specials_) {
          if (piece.size() > best && text.compare(pos, piece.size(), piece) == 0) {
            best = piece.size();
            best_id = id;
          }
        }
      }
      if (best == 0) {
        ++pos;
        continue;
      }
      flush(pos);
      out.push_back(best_id);
      pos += best;
      prev = pos;
    }
    flush(text.size());
    if (add_special && eos_) out.push_back(*eos_);
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special) const override {
    std::string out, bytes;
    auto flush_bytes = [&] {
      if (bytes.empty()) return;
      if (unicode::is_valid_utf8(bytes)) out += bytes;
      else
        for (size_t k = 0; k < bytes.size(); ++k) out += "\xEF\xBF\xBD";
      bytes.clear();
    };
    for (int32_t id : ids) {
      if (id < 0 || id >= sp_.GetPieceSize()) continue;
      bool special = sp_.IsControl(id) || sp_.IsUnknown(id);
      if (special && skip_special) continue;
      const std::string& piece = sp_.IdToPiece(id);
      if (sp_.IsByte(id)) {
        bytes.push_back(static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
        continue;
      }
      flush_bytes();
      size_t p = 0;
      while (p < piece.size()) {
        if (piece.compare(p, 3, "\xE2\x96\x81") == 0) {
          out.push_back(' ');
          p += 3;
        } else {
          out.push_back(piece[p++]);
        }
      }
    }
    flush_bytes();
    if (!out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    int id = sp_.PieceToId(token);
    if (id < 0 || sp_.IdToPiece(id) != token) return std::nullopt;
    return id;
  }
  std::optional<std::string> id_to_token(int32_t id) const override {
    if (id < 0 || id >= sp_.GetPieceSize()) return std::nullopt;
    return sp_.IdToPiece(id);
  }
  size_t vocab_size() const override { return static_cast<size_t>(sp_.GetPieceSize()); }
  bool is_special(int32_t id) const override {
    return id >= 0 && id < sp_.GetPieceSize() && (sp_.IsControl(id) || sp_.IsUnknown(id));
  }
  void add_tokens(const std::vector<AddedToken>& tokens) override {
    for (const auto& t : tokens) {
      auto id = token_to_id(t.content);
      if (id && !t.content.empty()) {
        specials_[t.content] = *id;
        first_byte_[static_cast<unsigned char>(t.content[0])] = true;
      }
    }
  }
  void set_bos_eos(std::optional<int32_t> bos, std::optional<int32_t> eos) override {
    bos_ = bos;
    eos_ = eos;
  }

 private:
  sentencepiece::SentencePieceProcessor sp_;
  std::unordered_map<std::string, int32_t> specials_;
  std::optional<int32_t> bos_, eos_;
  std::array<bool, 256> first_byte_{};
};

}  // namespace

std::unique_ptr<Pipeline> make_sentencepiece_pipeline(const std::string& model_proto) {
  return std::make_unique<SentencePiecePipeline>(model_proto);
}

}  // namespace lighteval::tokenizer
