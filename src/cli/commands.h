// cli/commands: one function per subcommand. Each parses its own arguments (argv[0] is the
// subcommand's name), returns the process exit code, and throws lighteval::Error for anything
// the user must fix. main.cpp dispatches and turns errors into one line on stderr.
#pragma once

namespace lighteval::cli {

int cmd_accelerate(int argc, char** argv);  // cmd_accelerate.cpp
int cmd_vllm(int argc, char** argv);        // cmd_vllm.cpp
int cmd_nanotron(int argc, char** argv);    // cmd_nanotron.cpp
int cmd_tasks(int argc, char** argv);       // cmd_tasks.cpp
int cmd_dataset(int argc, char** argv);     // cmd_dataset.cpp
int cmd_tokenize(int argc, char** argv);    // cmd_tokenize.cpp
int cmd_score(int argc, char** argv);       // cmd_score.cpp

}  // namespace lighteval::cli
