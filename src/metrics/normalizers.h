// metrics/normalizers: lighteval v0.5's text normalizers (metrics/normalizations.py), applied to
// golds and predictions before exact-match style comparisons.
#pragma once

#include <string>
#include <string_view>

namespace lighteval::metrics {

// QuAC/HELM: split on " " or "-", per token lower, drop string.punctuation, str(float(t)) when
// it parses, blank out the articles a/an/the, collapse whitespace; join non-empty tokens.
std::string helm_normalizer(std::string_view text);
// First "#### <number>" answer with commas removed, else "[invalid]" (grade-school-math).
std::string gsm8k_normalizer(std::string_view text);
// Hendrycks MATH: last \boxed{}/\fbox content and the math_equivalence string fixes.
std::string math_normalizer(std::string_view text);
// lm-eval-harness triviaqa: lower() and remove string.punctuation.
std::string harness_triviaqa_normalizer(std::string_view text);
// BIG-bench: " . " -> ".\n".
std::string bigbench_normalizer(std::string_view text);
std::string remove_braces(std::string_view text);
std::string remove_braces_and_strip(std::string_view text);

// Python's str(float(s)) when float(s) succeeds; false otherwise.
bool python_float_str(std::string_view s, std::string* out);
// Python's repr() of a float (shortest round-trip digits, repr's fixed/scientific switch).
std::string python_float_repr(double v);

}  // namespace lighteval::metrics
