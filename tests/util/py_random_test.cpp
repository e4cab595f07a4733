// PyRandom against CPython 3: tests/fixtures/python_random/reference.json is written by
// scripts/fixtures/python_random_reference.py with the system python3's random module.
#include "util/py_random.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/test_support.h"
#include "util/error.h"
#include "util/json.h"

namespace {

using lighteval::Json;
using lighteval::util::PyRandom;

Json load_reference() {
  auto path = lighteval::testing::fixtures_dir() / "python_random" / "reference.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  return Json::parse(in);
}

PyRandom make_rng(const Json& c) {
  if (c.contains("seed_int")) return PyRandom(std::stoll(c["seed_int"].get<std::string>()));
  return PyRandom(std::string_view(c["seed_str"].get<std::string>()));
}

std::vector<size_t> as_sizes(const Json& j) { return j.get<std::vector<size_t>>(); }

TEST(PyRandom, MatchesCPythonSequences) {
  Json ref = load_reference();
  ASSERT_GE(ref["cases"].size(), 19u);
  for (const Json& c : ref["cases"]) {
    PyRandom rng = make_rng(c);
    std::string label = c.contains("seed_int") ? "int " + c["seed_int"].get<std::string>()
                                               : "str '" + c["seed_str"].get<std::string>() + "'";
    size_t step = 0;
    for (const Json& op : c["ops"]) {
      SCOPED_TRACE(label + " op " + std::to_string(step++) + " " + op.dump().substr(0, 80));
      const std::string name = op[0];
      if (name == "genrand") {
        EXPECT_EQ(rng.genrand_uint32(), op[1].get<uint32_t>());
      } else if (name == "random") {
        EXPECT_EQ(rng.random(), op[1].get<double>());
      } else if (name == "getrandbits") {
        EXPECT_EQ(rng.getrandbits(op[1].get<int>()), op[2].get<uint64_t>());
      } else if (name == "randbelow") {
        EXPECT_EQ(rng.randbelow(op[1].get<uint64_t>()), op[2].get<uint64_t>());
      } else if (name == "shuffle") {
        std::vector<size_t> v(op[1].get<size_t>());
        for (size_t i = 0; i < v.size(); ++i) v[i] = i;
        rng.shuffle(v);
        EXPECT_EQ(v, as_sizes(op[2]));
      } else if (name == "sample") {
        EXPECT_EQ(rng.sample(op[1].get<size_t>(), op[2].get<size_t>()), as_sizes(op[3]));
      } else if (name == "choices") {
        EXPECT_EQ(rng.choices(op[1].get<size_t>(), op[2].get<size_t>()), as_sizes(op[3]));
      } else if (name == "randrange") {
        const Json& args = op[1];
        int64_t got = args.size() == 1
                          ? rng.randrange(args[0].get<int64_t>())
                          : rng.randrange(args[0].get<int64_t>(), args[1].get<int64_t>());
        EXPECT_EQ(got, op[2].get<int64_t>());
      } else {
        FAIL() << "unknown op in fixture: " << name;
      }
    }
  }
}

TEST(PyRandom, LightevalShuffleThenSamplePattern) {
  Json ref = load_reference();
  PyRandom rng(42);
  std::vector<size_t> docs(1172);
  for (size_t i = 0; i < docs.size(); ++i) docs[i] = i;
  rng.shuffle(docs);
  EXPECT_EQ(docs, as_sizes(ref["arc_pattern"]["shuffled"]));
  for (const Json& draw : ref["arc_pattern"]["draws"]) EXPECT_EQ(rng.sample(1119, 25), as_sizes(draw));
}

TEST(PyRandom, ReseedRestartsTheSequence) {
  PyRandom a(7);
  double first = a.random();
  a.random();
  a.seed(int64_t{7});
  EXPECT_EQ(a.random(), first);
  PyRandom b(std::string_view("abc"));
  uint32_t w = b.genrand_uint32();
  b.seed(std::string_view("abc"));
  EXPECT_EQ(b.genrand_uint32(), w);
}

TEST(PyRandom, InvalidArgumentsAreErrors) {
  PyRandom rng(1);
  EXPECT_THROW(rng.sample(3, 4), lighteval::Error);
  EXPECT_THROW(rng.randrange(0), lighteval::Error);
  EXPECT_THROW(rng.randrange(5, 5), lighteval::Error);
  EXPECT_THROW(rng.getrandbits(65), lighteval::Error);
}

}  // namespace
