#include "tokenizer/text_cleanup.h"

#include <utility>

namespace lighteval::tokenizer {

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  size_t prev = 0, pos;
  bool any = false;
  while ((pos = s.find(from, prev)) != std::string::npos) {
    out.append(s, prev, pos - prev);
    out += to;
    prev = pos + from.size();
    any = true;
  }
  if (!any) return;
  out.append(s, prev, std::string::npos);
  s.swap(out);
}
}  // namespace

std::string clean_up_tokenization(std::string_view in, bool wordpiece) {
  std::string s(in);
  // The order matters: it is the order of the chained str.replace calls upstream.
  replace_all(s, " .", ".");
  replace_all(s, " ?", "?");
  replace_all(s, " !", "!");
  replace_all(s, " ,", ",");
  replace_all(s, " ' ", "'");
  replace_all(s, " n't", "n't");
  replace_all(s, " 'm", "'m");
  if (wordpiece) replace_all(s, " do not", " don't");
  replace_all(s, " 's", "'s");
  replace_all(s, " 've", "'ve");
  replace_all(s, " 're", "'re");
  return s;
}

}  // namespace lighteval::tokenizer
