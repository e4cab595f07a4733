#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_dataset(int argc, char** argv) { throw NotBuiltError("'lighteval dataset'"); }

}  // namespace lighteval::cli
