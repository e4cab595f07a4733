// tokenizer/unicode: the UTF-8 and Unicode-property helpers the pipeline needs (Rust `char`
// semantics: is_whitespace = White_Space, is_numeric = N*, is_alphanumeric = Alphabetic or N*),
// GPT-2's byte<->char table, and Python-compatible lossy UTF-8 decoding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lighteval::tokenizer::unicode {

// Decodes one code point at `pos` of valid UTF-8 and advances `pos`.
char32_t next_cp(std::string_view s, size_t& pos);
// Length in bytes of the UTF-8 sequence starting with lead byte `c` (1 for invalid leads).
inline size_t cp_len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
}
void append_utf8(std::string& out, char32_t cp);
std::string to_utf8(char32_t cp);

bool is_valid_utf8(std::string_view s);
// Replaces each maximal invalid subpart by U+FFFD, as Python's bytes.decode(errors="replace")
// and Rust's String::from_utf8_lossy do.
std::string sanitize_utf8(std::string_view s);

bool is_whitespace(char32_t c);    // Unicode White_Space
bool is_numeric(char32_t c);       // general category Nd, Nl, No
bool is_alphabetic(char32_t c);    // letters, marks with Alphabetic, Nl (approximated by L*, Nl, Mn/Mc)
bool is_punctuation(char32_t c);   // ASCII punctuation or general category P*
bool is_combining_mark(char32_t c);  // general category Mn
bool is_word_char(char32_t c);     // regex \w (Unicode): alphanumeric, M*, Pc
bool is_control(char32_t c);       // Cc, Cf, Cn, Co (BertNormalizer's notion, minus \t\n\r)
bool is_cjk(char32_t c);

// GPT-2's reversible byte <-> printable code point table.
const std::array<char32_t, 256>& bytes_to_chars();
// -1 when the code point is not in the table.
int char_to_byte(char32_t c);
// The byte-level form of `s`, appended to `out`: every byte mapped through bytes_to_chars().
void byte_level_encode(std::string_view s, std::string& out);

// Unicode normalization forms via utf8proc (input must be valid UTF-8).
std::string nfc(std::string_view s);
std::string nfd(std::string_view s);
std::string nfkc(std::string_view s);
std::string nfkd(std::string_view s);
std::string lowercase(std::string_view s);  // full per-char lowercase mapping (Rust to_lowercase)

}  // namespace lighteval::tokenizer::unicode
