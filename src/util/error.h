// util/error: the one exception family of lighteval-cpp. Every error a user can cause carries a
// message that says what is wrong, where, and what to do; main() prints it as one line.
#pragma once

#include <stdexcept>
#include <string>

namespace lighteval {

// Exit codes: 1 = an error in the input or environment, 2 = a usage error or a feature that is
// not built yet (as argparse and the issue tracker's convention want).
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitError)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A command-line mistake: unknown flag, bad value, missing argument.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, kExitUsage) {}
};

// A path of the program that exists in the command line but whose engine or backend is not built
// yet. Never used to fake a result.
class NotBuiltError : public Error {
 public:
  explicit NotBuiltError(const std::string& what)
      : Error(what + " is not built yet in this version of lighteval-cpp", kExitUsage) {}
};

// A network or Hub failure (after retries).
class NetworkError : public Error {
 public:
  explicit NetworkError(const std::string& message) : Error(message) {}
};

}  // namespace lighteval
