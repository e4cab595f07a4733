// report/xxhash64: XXH64 (Yann Collet's xxHash, 64-bit, seed 0), written from the published
// algorithm description. lighteval's summary hashes are xxh64 hex digests; ours hash our own
// canonical strings, so only the algorithm (not every input string) matches Python's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lighteval::report {

uint64_t xxhash64(std::string_view data, uint64_t seed = 0);
// 16 lowercase hex digits, as xxhash.xxh64(...).hexdigest().
std::string xxhash64_hex(std::string_view data);

}  // namespace lighteval::report
