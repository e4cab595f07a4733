// util/py_random: a bit-exact emulation of CPython 3's random.Random (MT19937 plus the Python-level
// algorithms shuffle, sample, choices, randrange). lighteval draws its eval-doc order, few-shot
// examples and bootstrap resamples with Python's random module, so the same numbers need the same
// generator. Limits: only the integer and str seeding paths and the methods lighteval uses; integer
// arguments are limited to 64 bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace lighteval::util {

class PyRandom {
 public:
  // random.Random(int): init_by_array over the 32-bit words of |seed| (least significant first).
  explicit PyRandom(int64_t seed = 0);
  // random.Random(str): seed version 2, the int of utf8(seed) + sha512(utf8(seed)) (big-endian).
  explicit PyRandom(std::string_view seed);

  void seed(int64_t s);
  void seed(std::string_view s);

  uint32_t genrand_uint32();
  uint64_t getrandbits(int k);  // 0 <= k <= 64
  double random();  // 53-bit float in [0, 1)
  // _randbelow_with_getrandbits(n): uniform in [0, n). n == 0 returns 0 (getrandbits(0)).
  uint64_t randbelow(uint64_t n);
  // randrange(stop) / randrange(start, stop) with step 1; an empty range throws lighteval::Error, as
  // CPython raises ValueError.
  int64_t randrange(int64_t stop);
  int64_t randrange(int64_t start, int64_t stop);

  // random.shuffle: Fisher-Yates from the end with _randbelow(i + 1).
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i-- > 1;) {
      size_t j = static_cast<size_t>(randbelow(i + 1));
      using std::swap;
      swap(v[i], v[j]);
    }
  }

  // random.sample(range(population_size), k) as indices, with CPython's choice between the pool
  // algorithm and the set-based rejection algorithm. k > population_size throws lighteval::Error.
  std::vector<size_t> sample(size_t population_size, size_t k);
  // random.choices(range(population_size), k=k) without weights: floor(random() * n).
  std::vector<size_t> choices(size_t population_size, size_t k);

 private:
  void init_genrand(uint32_t s);
  void init_by_array(const std::vector<uint32_t>& key);

  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int mti_ = kN + 1;
};

}  // namespace lighteval::util
