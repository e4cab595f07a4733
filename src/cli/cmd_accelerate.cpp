// `lighteval accelerate`: lighteval v0.5's main entry point, on the native engine (or the dummy
// model); `vllm,` model_args route to the vllm-style options.
#include "cli/commands.h"
#include "cli/eval_options.h"

namespace lighteval::cli {

int cmd_accelerate(int argc, char** argv) {
  return run_eval_command("accelerate", backends::EntryPoint::accelerate, argc, argv);
}

}  // namespace lighteval::cli
