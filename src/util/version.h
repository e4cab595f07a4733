#pragma once
namespace lighteval {
inline constexpr const char* kVersion = "0.1.0";
// The lighteval version whose command line, task strings and scores we reproduce.
inline constexpr const char* kCompatibleLightevalVersion = "0.5.0";
}  // namespace lighteval
