#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_tasks(int argc, char** argv) { throw NotBuiltError("'lighteval tasks'"); }

}  // namespace lighteval::cli
