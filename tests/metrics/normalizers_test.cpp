// Text normalizers. Expected strings follow the rules documented in lighteval v0.5's
// normalizations.py (and the Hendrycks MATH examples it quotes); the str(float(...)) spellings
// and the Python str behaviours were checked with CPython 3.
#include "metrics/normalizers.h"

#include <gtest/gtest.h>

#include "metrics/py_text.h"

namespace {

namespace m = lighteval::metrics;
namespace py = lighteval::metrics::py;

TEST(PythonText, StrSemantics) {
  EXPECT_EQ(py::split(" a  b\u3000c\x1c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(py::strip("\u00a0x\u2003 "), "x");
  EXPECT_EQ(py::length("ééé"), 3u);
  EXPECT_EQ(py::lower("İ"), "i\u0307");
  EXPECT_EQ(py::lower("ÉTÉ Straße"), "été straße");
  EXPECT_EQ(py::Regex("\\s+").split(" a b ").size(), 4u);  // ['', 'a', 'b', '']
}

TEST(PythonText, FloatRepr) {
  std::string out;
  const std::pair<const char*, const char*> cases[] = {
      {"3", "3.0"},       {"1e3", "1000.0"},  {"NaN", "nan"},   {"Infinity", "inf"},
      {"0001", "1.0"},    {"1_000", "1000.0"}, {"11111111111111111", "1.1111111111111112e+16"},
      {"12345678901234567890", "1.2345678901234567e+19"}, {"0.0001", "0.0001"}, {"0.00001", "1e-05"},
      {" 12\n", "12.0"}};
  for (auto [in, expected] : cases) {
    ASSERT_TRUE(m::python_float_str(in, &out)) << in;
    EXPECT_EQ(out, expected) << in;
  }
  ASSERT_TRUE(m::python_float_str(std::string(400, '1'), &out));
  EXPECT_EQ(out, "inf");
  for (const char* bad : {"", "abc", "1_", "_1", "1__0", "1e", ".", "--1", "1.2.3"})
    EXPECT_FALSE(m::python_float_str(bad, &out)) << bad;
}

TEST(Normalizers, Helm) {
  EXPECT_EQ(m::helm_normalizer("The Answer: 3!"), "answer 3.0");
  EXPECT_EQ(m::helm_normalizer("well-known fact"), "well known fact");
  EXPECT_EQ(m::helm_normalizer("An apple, a day"), "apple day");
  EXPECT_EQ(m::helm_normalizer("  Theory of the  Thing "), "theory of thing");
  EXPECT_EQ(m::helm_normalizer("1e3 == 1000"), "1000.0 1000.0");
  EXPECT_EQ(m::helm_normalizer("Café"), "café");
  EXPECT_EQ(m::helm_normalizer(""), "");
}

TEST(Normalizers, Gsm8k) {
  EXPECT_EQ(m::gsm8k_normalizer("She pays 3 + 4 = 7.\n#### 1,234"), "1234");
  EXPECT_EQ(m::gsm8k_normalizer("#### -3.5 dollars"), "-3.5");
  EXPECT_EQ(m::gsm8k_normalizer("The answer is 42"), "[invalid]");
  EXPECT_EQ(m::gsm8k_normalizer("#### 1\n#### 2"), "1");  // first match
}

TEST(Normalizers, TriviaqaAndBigbench) {
  EXPECT_EQ(m::harness_triviaqa_normalizer("The U.S.A.!"), "the usa");
  EXPECT_EQ(m::bigbench_normalizer("One . Two . Three"), "One.\nTwo.\nThree");
  EXPECT_EQ(m::remove_braces("{x}"), "x");
  EXPECT_EQ(m::remove_braces_and_strip("  {x} "), "x");
}

TEST(Normalizers, Math) {
  EXPECT_EQ(m::math_normalizer("so \\boxed{\\frac{2}{3}}"), "\\frac{2}{3}");
  EXPECT_EQ(m::math_normalizer("\\boxed{\\frac12}"), "\\frac{1}{2}");
  EXPECT_EQ(m::math_normalizer("\\boxed{\\frac1{72}}"), "\\frac{1}{72}");
  EXPECT_EQ(m::math_normalizer("\\boxed{0.5}"), "\\frac{1}{2}");
  EXPECT_EQ(m::math_normalizer("\\boxed{.5}"), "\\frac{1}{2}");
  EXPECT_EQ(m::math_normalizer("\\boxed{2/3}"), "\\frac{2}{3}");
  EXPECT_EQ(m::math_normalizer("\\boxed{02/3}"), "02/3");  // not a canonical int: left alone
  EXPECT_EQ(m::math_normalizer("\\boxed{50.5 \\text{ kg}}"), "50.5");
  EXPECT_EQ(m::math_normalizer("\\boxed{\\sqrt3}"), "\\sqrt{3}");
  EXPECT_EQ(m::math_normalizer("\\boxed{x = 5}"), "5");
  EXPECT_EQ(m::math_normalizer("\\boxed{10\\%}"), "10");
  EXPECT_EQ(m::math_normalizer("\\boxed{\\dfrac{1}{4}}"), "\\frac{1}{4}");
  EXPECT_EQ(m::math_normalizer("\\boxed{90^\\circ}"), "90");
  EXPECT_EQ(m::math_normalizer("\\boxed{\\left( 1, 2 \\right)}"), "(1,2)");
  EXPECT_EQ(m::math_normalizer("first \\boxed{1} then \\boxed{2}"), "2");  // the last box
  EXPECT_EQ(m::math_normalizer("no box at all"), "");
  EXPECT_EQ(m::math_normalizer("\\boxed{unbalanced"), "");
  // Where Python would raise, we keep going: \fbox content, trailing \frac / \sqrt.
  EXPECT_EQ(m::math_normalizer("\\fbox{7}"), "7");
  EXPECT_EQ(m::math_normalizer("\\boxed{1\\frac}"), "1\\frac");
  EXPECT_EQ(m::math_normalizer("\\boxed{2\\sqrt}"), "2\\sqrt");
}

}  // namespace
