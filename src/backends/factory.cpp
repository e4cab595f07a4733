#include "backends/factory.h"

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
  return make_native_model(c);
}

}  // namespace lighteval::backends
