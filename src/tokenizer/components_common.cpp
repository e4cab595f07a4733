#include <algorithm>
#include <string>

#include "tokenizer/components.h"
#include "util/error.h"

namespace lighteval::tokenizer {

const TJson& require(const TJson& j, const char* key, const char* where) {
  if (!j.is_object() || !j.contains(key))
    throw Error(std::string("tokenizer.json: ") + where + " lacks the key '" + key +
                "'; the file is malformed or from an unsupported tokenizers version");
  return j.at(key);
}

bool get_bool(const TJson& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw Error(std::string("tokenizer.json: '") + key + "' must be true or false");
  return it->get<bool>();
}

std::string get_string(const TJson& j, const char* key, const std::string& fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(std::string("tokenizer.json: '") + key + "' must be a string");
  return it->get<std::string>();
}

Pattern::Pattern(const TJson& j) {
  if (j.is_string()) {
    literal_ = j.get<std::string>();
  } else if (j.is_object() && j.contains("String") && j["String"].is_string()) {
    literal_ = j["String"].get<std::string>();
  } else if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) {
    regex_ = std::make_unique<Regex>(j["Regex"].get<std::string>());
  } else {
    throw Error("tokenizer.json: a pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
}

void Pattern::find_matches(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  if (regex_) {
    regex_->find_all(text, out);
    return;
  }
  if (literal_.empty()) return;
  size_t pos = 0;
  while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
    out.emplace_back(pos, pos + literal_.size());
    pos += literal_.size();
  }
}

void split_by_matches(const std::string& text, const std::vector<std::pair<size_t, size_t>>& matches,
                      SplitBehavior behavior, bool invert, bool at_origin, std::vector<Piece>& out) {
  // The cover of `text`: (start, end, is_match), as tokenizers' Pattern::find_matches builds it.
  struct Seg { size_t s, e; bool m; };
  std::vector<Seg> segs;
  segs.reserve(matches.size() * 2 + 1);
  if (text.empty()) {
    segs.push_back({0, 0, false});
  } else {
    size_t prev = 0;
    for (auto [s, e] : matches) {
      if (prev != s) segs.push_back({prev, s, false});
      segs.push_back({s, e, true});
      prev = e;
    }
    if (prev != text.size()) segs.push_back({prev, text.size(), false});
  }
  if (invert)
    for (auto& g : segs) g.m = !g.m;

  // (range, remove) per tokenizers' NormalizedString::split.
  std::vector<Seg> keep;  // m = remove
  keep.reserve(segs.size());
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (auto g : segs) keep.push_back({g.s, g.e, false});
      break;
    case SplitBehavior::kRemoved:
      keep = segs;
      break;
    case SplitBehavior::kContiguous: {
      bool prev_match = false;
      for (auto g : segs) {
        if (g.m == prev_match && !keep.empty()) keep.back().e = g.e;
        else keep.push_back({g.s, g.e, false});
        prev_match = g.m;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool prev_match = false;
      for (auto g : segs) {
        if (g.m && !prev_match && !keep.empty()) keep.back().e = g.e;
        else keep.push_back({g.s, g.e, false});
        prev_match = g.m;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool prev_match = false;
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->m && !prev_match && !keep.empty()) keep.back().s = it->s;
        else keep.push_back({it->s, it->e, false});
        prev_match = it->m;
      }
      std::reverse(keep.begin(), keep.end());
      break;
    }
  }
  for (auto g : keep) {
    if (g.m || g.e == g.s) continue;
    out.push_back({text.substr(g.s, g.e - g.s), at_origin && g.s == 0});
  }
}

}  // namespace lighteval::tokenizer
