#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_score(int argc, char** argv) { throw NotBuiltError("'lighteval score'"); }

}  // namespace lighteval::cli
