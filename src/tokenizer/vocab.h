// tokenizer/vocab: token string <-> id tables shared by the models, with string_view lookup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lighteval::tokenizer {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Vocab {
 public:
  // Throws lighteval::Error on negative ids or ids above 2^31.
  void add(std::string token, int64_t id);
  std::optional<int32_t> find(std::string_view token) const {
    auto it = map_.find(token);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  const std::string* token(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= by_id_.size() || !present_[id]) return nullptr;
    return &by_id_[id];
  }
  size_t size() const { return map_.size(); }
  size_t id_bound() const { return by_id_.size(); }

 private:
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> map_;
  std::vector<std::string> by_id_;
  std::vector<bool> present_;
};

}  // namespace lighteval::tokenizer
