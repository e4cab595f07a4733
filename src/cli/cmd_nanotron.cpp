#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_nanotron(int argc, char** argv) { throw NotBuiltError("'lighteval nanotron'"); }

}  // namespace lighteval::cli
