// tokenizer/text_cleanup: transformers' clean_up_tokenization (" ." -> "." and friends), used by
// decode when tokenizer_config.json asks for it and by the WordPiece decoder's cleanup.
#pragma once

#include <string>
#include <string_view>

namespace lighteval::tokenizer {

// `wordpiece` adds the WordPiece decoder's extra rule " do not" -> " don't".
std::string clean_up_tokenization(std::string_view s, bool wordpiece = false);

}  // namespace lighteval::tokenizer
