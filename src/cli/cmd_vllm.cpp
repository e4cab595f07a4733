// `lighteval vllm`: HEAD's vLLM entry point (VLLMModelConfig keys such as gpu_memory_utilisation,
// max_model_length, tensor_parallel_size), served by the native engine.
#include "cli/commands.h"
#include "cli/eval_options.h"

namespace lighteval::cli {

int cmd_vllm(int argc, char** argv) { return run_eval_command("vllm", backends::EntryPoint::vllm, argc, argv); }

}  // namespace lighteval::cli
