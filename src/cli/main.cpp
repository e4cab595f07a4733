// The lighteval binary: dispatches to a subcommand and turns every error into one line.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "cli/commands.h"
#include "util/error.h"
#include "util/version.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

const Command kCommands[] = {
    {"accelerate", "evaluate a model with the native engine (lighteval's accelerate entry point)",
     lighteval::cli::cmd_accelerate},
    {"vllm", "evaluate a model with the native engine, vLLM-style arguments", lighteval::cli::cmd_vllm},
    {"nanotron", "evaluate a nanotron checkpoint", lighteval::cli::cmd_nanotron},
    {"tasks", "list or inspect the built-in tasks", lighteval::cli::cmd_tasks},
    {"dataset", "show rows of a dataset (Hub repo or local path)", lighteval::cli::cmd_dataset},
    {"tokenize", "encode/decode text with a Hugging Face tokenizer", lighteval::cli::cmd_tokenize},
    {"score", "log-likelihood of continuations given contexts", lighteval::cli::cmd_score},
};

void print_help() {
  std::printf("usage: lighteval <command> [options]\n\n");
  std::printf("A native C++ reimplementation of Hugging Face lighteval %s.\n\ncommands:\n",
              lighteval::kCompatibleLightevalVersion);
  for (const auto& c : kCommands) std::printf("  %-11s %s\n", c.name, c.summary);
  std::printf("\nRun 'lighteval <command> --help' for the options of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    print_help();
    return argc < 2 ? lighteval::kExitUsage : 0;
  }
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-V")) {
    std::printf("lighteval-cpp %s (compatible with lighteval %s)\n", lighteval::kVersion,
                lighteval::kCompatibleLightevalVersion);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const lighteval::Error& e) {
      std::fprintf(stderr, "lighteval %s: error: %s\n", c.name, e.what());
      return e.exit_code();
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr,
                   "lighteval %s: error: out of memory; use a smaller --override_batch_size, "
                   "max_length or model\n",
                   c.name);
      return lighteval::kExitError;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lighteval %s: error: %s\n", c.name, e.what());
      return lighteval::kExitError;
    }
  }
  std::fprintf(stderr, "lighteval: error: unknown command '%s'; run 'lighteval --help' for the list\n",
               argv[1]);
  return lighteval::kExitUsage;
}
