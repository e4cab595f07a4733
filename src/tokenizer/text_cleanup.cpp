#include "tokenizer/text_cleanup.h"

#include "util/strings.h"

namespace lighteval::tokenizer {

std::string clean_up_tokenization(std::string_view in, bool wordpiece) {
  std::string s(in);
  // The order matters: it is the order of the chained str.replace calls upstream.
  s = replace_all(s, " .", ".");
  s = replace_all(s, " ?", "?");
  s = replace_all(s, " !", "!");
  s = replace_all(s, " ,", ",");
  s = replace_all(s, " ' ", "'");
  s = replace_all(s, " n't", "n't");
  s = replace_all(s, " 'm", "'m");
  if (wordpiece) s = replace_all(s, " do not", " don't");
  s = replace_all(s, " 's", "'s");
  s = replace_all(s, " 've", "'ve");
  s = replace_all(s, " 're", "'re");
  return s;
}

}  // namespace lighteval::tokenizer
