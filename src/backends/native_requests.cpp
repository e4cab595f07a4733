#include "backends/native_requests.h"

#include <algorithm>

namespace lighteval::backends {
namespace {

// Code points for which Python's str.isspace() is true.
bool is_py_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

}  // namespace

size_t trailing_whitespace_bytes(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    // Find the start of the last UTF-8 sequence.
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + start;
    const size_t n = end - start;
    uint32_t c;
    if (n == 1 && p[0] < 0x80)
      c = p[0];
    else if (n == 2 && (p[0] & 0xE0) == 0xC0)
      c = ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    else if (n == 3 && (p[0] & 0xF0) == 0xE0)
      c = ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    else
      break;  // 4-byte or malformed: never whitespace
    if (!is_py_space(c)) break;
    end = start;
  }
  return s.size() - end;
}

std::vector<RollingWindow> rolling_windows(const std::vector<int32_t>& tokens, int32_t prefix, int max_length) {
  std::vector<RollingWindow> out;
  const int n = static_cast<int>(tokens.size());
  if (n == 0) return out;
  const int first = std::min(max_length, n);
  RollingWindow w;
  w.input.push_back(prefix);
  w.input.insert(w.input.end(), tokens.begin(), tokens.begin() + first - 1);
  w.targets.assign(tokens.begin(), tokens.begin() + first);
  out.push_back(std::move(w));
  int predicted = first;
  while (predicted < n) {
    const int pred_len = std::min(n - predicted, max_length);
    const int end = predicted + pred_len;
    // Input: the max_length tokens before the window's last target (lm-eval's window), of which
    // only the last pred_len positions are scored (make_disjoint_window drops the overlap).
    RollingWindow r;
    r.input.assign(tokens.begin() + (end - max_length - 1 < 0 ? 0 : end - max_length - 1), tokens.begin() + end - 1);
    r.targets.assign(tokens.begin() + end - pred_len, tokens.begin() + end);
    out.push_back(std::move(r));
    predicted += pred_len;
  }
  return out;
}

std::string apply_start_space(const std::string& choice, int mode) {
  if (mode == 1) return (!choice.empty() && choice[0] == ' ') ? choice : " " + choice;
  if (mode == 0) {
    size_t i = 0;
    while (i < choice.size()) {
      const auto* p = reinterpret_cast<const unsigned char*>(choice.data()) + i;
      uint32_t c;
      size_t n;
      if (p[0] < 0x80) {
        c = p[0];
        n = 1;
      } else if ((p[0] & 0xE0) == 0xC0 && i + 1 < choice.size()) {
        c = ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        n = 2;
      } else if ((p[0] & 0xF0) == 0xE0 && i + 2 < choice.size()) {
        c = ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        n = 3;
      } else {
        break;
      }
      if (!is_py_space(c)) break;
      i += n;
    }
    return choice.substr(i);
  }
  return choice;
}

std::optional<std::string> prepended_bos(const tokenizer::Tokenizer& tok, bool add_special_tokens) {
  if (!add_special_tokens) return std::nullopt;
  const std::optional<int32_t> bos_id = tok.bos_token_id();
  if (!bos_id) return std::nullopt;
  const std::vector<int32_t> ids = tok.encode("", true);
  if (ids.empty() || ids.front() != *bos_id) return std::nullopt;
  return tok.bos_token();
}

}  // namespace lighteval::backends
