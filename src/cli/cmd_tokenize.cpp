#include "cli/commands.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_tokenize(int argc, char** argv) { throw NotBuiltError("'lighteval tokenize'"); }

}  // namespace lighteval::cli
