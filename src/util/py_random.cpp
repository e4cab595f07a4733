// CPython's Modules/_randommodule.c and Lib/random.py re-expressed; see py_random.h.
#include "util/py_random.h"

#include <openssl/evp.h>

#include <cmath>
#include <string>
#include <unordered_set>

#include "util/error.h"

namespace lighteval::util {

namespace {

constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;

// The 32-bit words of a non-negative big-endian byte string, least significant first, the way
// CPython's random_seed() lays out an int for init_by_array (at least one word, for zero).
std::vector<uint32_t> words_from_big_endian(const unsigned char* bytes, size_t n) {
  size_t start = 0;
  while (start < n && bytes[start] == 0) ++start;
  std::vector<uint32_t> words;
  for (size_t end = n; end > start;) {
    size_t begin = end >= start + 4 ? end - 4 : start;
    uint32_t w = 0;
    for (size_t i = begin; i < end; ++i) w = (w << 8) | bytes[i];
    words.push_back(w);
    end = begin;
  }
  if (words.empty()) words.push_back(0);
  return words;
}

int bit_length(uint64_t n) {
  int k = 0;
  while (n) {
    ++k;
    n >>= 1;
  }
  return k;
}

}  // namespace

PyRandom::PyRandom(int64_t s) { seed(s); }
PyRandom::PyRandom(std::string_view s) { seed(s); }

void PyRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i) {
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  mti_ = kN;
}

void PyRandom::init_by_array(const std::vector<uint32_t>& key) {
  init_genrand(19650218U);
  const size_t key_length = key.size();
  size_t i = 1, j = 0;
  for (size_t k = (kN > key_length ? kN : key_length); k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (size_t k = kN - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) -
             static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;  // non-zero initial state, as CPython
}

void PyRandom::seed(int64_t s) {
  // |s| as an unsigned magnitude (INT64_MIN included).
  uint64_t magnitude = s < 0 ? uint64_t{0} - static_cast<uint64_t>(s) : static_cast<uint64_t>(s);
  std::vector<uint32_t> key{static_cast<uint32_t>(magnitude)};
  if (magnitude >> 32) key.push_back(static_cast<uint32_t>(magnitude >> 32));
  init_by_array(key);
}

void PyRandom::seed(std::string_view s) {
  // Python: a = int.from_bytes(a.encode() + sha512(a.encode()).digest()) (version 2).
  std::string bytes(s);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(s.data(), s.size(), digest, &digest_len, EVP_sha512(), nullptr) != 1) {
    throw Error("cannot compute SHA-512 to seed the random generator (OpenSSL failure)");
  }
  bytes.append(reinterpret_cast<const char*>(digest), digest_len);
  init_by_array(words_from_big_endian(reinterpret_cast<const unsigned char*>(bytes.data()),
                                      bytes.size()));
}

uint32_t PyRandom::genrand_uint32() {
  static constexpr uint32_t mag01[2] = {0x0U, kMatrixA};
  uint32_t y;
  if (mti_ >= kN) {
    int kk = 0;
    for (; kk < kN - 397; ++kk) {
      y = (mt_[kk] & kUpperMask) | (mt_[kk + 1] & kLowerMask);
      mt_[kk] = mt_[kk + 397] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < kN - 1; ++kk) {
      y = (mt_[kk] & kUpperMask) | (mt_[kk + 1] & kLowerMask);
      mt_[kk] = mt_[kk + (397 - kN)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    y = (mt_[kN - 1] & kUpperMask) | (mt_[0] & kLowerMask);
    mt_[kN - 1] = mt_[396] ^ (y >> 1) ^ mag01[y & 0x1U];
    mti_ = 0;
  }
  y = mt_[mti_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint64_t PyRandom::getrandbits(int k) {
  if (k < 0 || k > 64) throw Error("getrandbits: the number of bits must be within 0..64");
  if (k == 0) return 0;
  if (k <= 32) return genrand_uint32() >> (32 - k);
  // CPython fills 32-bit words from the least significant; the last word keeps its top bits.
  uint64_t low = genrand_uint32();
  uint64_t high = genrand_uint32() >> (64 - k);
  return (high << 32) | low;
}

double PyRandom::random() {
  uint32_t a = genrand_uint32() >> 5, b = genrand_uint32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

uint64_t PyRandom::randbelow(uint64_t n) {
  int k = bit_length(n);
  uint64_t r = getrandbits(k);
  while (r >= n && n != 0) r = getrandbits(k);
  return r;
}

int64_t PyRandom::randrange(int64_t stop) {
  if (stop <= 0) throw Error("randrange: empty range (stop must be positive)");
  return static_cast<int64_t>(randbelow(static_cast<uint64_t>(stop)));
}

int64_t PyRandom::randrange(int64_t start, int64_t stop) {
  if (stop <= start) throw Error("randrange: empty range (start must be below stop)");
  uint64_t width = static_cast<uint64_t>(stop) - static_cast<uint64_t>(start);
  return static_cast<int64_t>(static_cast<uint64_t>(start) + randbelow(width));
}

std::vector<size_t> PyRandom::sample(size_t n, size_t k) {
  if (k > n) throw Error("sample: the sample is larger than the population");
  std::vector<size_t> result(k);
  // setsize = 21 + 4 ** ceil(log(3k, 4)) for k > 5: the size of a small set, in CPython's words
  size_t setsize = 21;
  if (k > 5) {
    double e = std::ceil(std::log(static_cast<double>(k * 3)) / std::log(4.0));
    setsize += static_cast<size_t>(std::pow(4.0, e));
  }
  if (n <= setsize) {
    std::vector<size_t> pool(n);
    for (size_t i = 0; i < n; ++i) pool[i] = i;
    for (size_t i = 0; i < k; ++i) {
      size_t j = static_cast<size_t>(randbelow(n - i));
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
  } else {
    std::unordered_set<size_t> selected;
    for (size_t i = 0; i < k; ++i) {
      size_t j = static_cast<size_t>(randbelow(n));
      while (selected.count(j)) j = static_cast<size_t>(randbelow(n));
      selected.insert(j);
      result[i] = j;
    }
  }
  return result;
}

std::vector<size_t> PyRandom::choices(size_t n, size_t k) {
  std::vector<size_t> result(k);
  const double nf = static_cast<double>(n);
  for (size_t i = 0; i < k; ++i) result[i] = static_cast<size_t>(std::floor(random() * nf));
  return result;
}

}  // namespace lighteval::util
