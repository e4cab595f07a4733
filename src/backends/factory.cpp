#include "backends/factory.h"

#include "backends/bos_probe.h"
#include "backends/dummy_model.h"
#include "backends/native_model.h"
#include "util/error.h"

namespace lighteval::backends {

std::unique_ptr<Model> make_model(const ModelArgs& args) {
  if (args.kind == BackendKind::dummy) return std::make_unique<DummyModel>(args.dummy);
  const NativeModelConfig& c = args.native;
  if (c.model_parallel) throw NotBuiltError("model_parallel=True (layers split over several GPUs)");
  if (c.tensor_parallel_size > 1) throw NotBuiltError("tensor_parallel_size > 1");
  if (c.pipeline_parallel_size > 1) throw NotBuiltError("pipeline_parallel_size > 1");
  if (c.data_parallel_size > 1) throw NotBuiltError("data_parallel_size > 1");
  std::unique_ptr<Model> model = make_native_model(c);
  // Chat templates may write BOS themselves; the pipeline needs to know whether the backend adds
  // one too (Model::prepended_bos_token).
  if (c.use_chat_template) return with_prepended_bos(std::move(model), native_prepended_bos(c));
  return model;
}

}  // namespace lighteval::backends
