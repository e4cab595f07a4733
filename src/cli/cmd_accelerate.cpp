#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_accelerate(int argc, char** argv) { throw NotBuiltError("'lighteval accelerate'"); }

}  // namespace lighteval::cli
