#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_vllm(int argc, char** argv) { throw NotBuiltError("'lighteval vllm'"); }

}  // namespace lighteval::cli
