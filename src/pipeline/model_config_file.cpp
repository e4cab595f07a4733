#include "pipeline/model_config_file.h"

#include <yaml-cpp/yaml.h>

#include "util/error.h"

namespace lighteval::pipeline {
namespace {

std::string scalar(const YAML::Node& node, const std::string& where, const std::string& file) {
  if (!node || node.IsNull()) return "";
  if (!node.IsScalar()) throw Error("model config " + file + ": " + where + " must be a single value");
  return node.as<std::string>();
}

}  // namespace

backends::ModelArgs load_model_config_yaml(const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read the model config file " + file + "; check --model_config_path");
  } catch (const YAML::Exception& e) {
    throw Error("model config " + file + " is not valid YAML (line " + std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
  try {
    if (!root.IsMap() || !root["model"] || !root["model"].IsMap())
      throw Error("model config " + file + " has no 'model:' section; see lighteval's examples/model_configs");
    YAML::Node model = root["model"];
    std::string type = scalar(model["type"], "model.type", file);
    if (type == "tgi" || type == "endpoint")
      throw NotBuiltError("the remote inference backend (model config type '" + type + "')");
    if (type != "base") throw Error("model config " + file + ": model.type must be base, tgi or endpoint, got '" + type + "'");
    YAML::Node base = model["base_params"];
    if (!base || !base.IsMap()) throw Error("model config " + file + " has no model.base_params section");
    std::string margs = scalar(base["model_args"], "model.base_params.model_args", file);
    if (margs.empty()) throw Error("model config " + file + ": model.base_params.model_args is missing");
    // dtype, compile and the generation option are ordinary model_args keys, so they are validated
    // by the same code as on the command line.
    std::string extra;
    std::string dtype = scalar(base["dtype"], "model.base_params.dtype", file);
    if (!dtype.empty()) extra += ",dtype=" + dtype;
    std::string compile = scalar(base["compile"], "model.base_params.compile", file);
    if (!compile.empty()) extra += ",compile=" + compile;
    if (YAML::Node merged = model["merged_weights"]; merged && merged.IsMap()) {
      for (const char* k : {"delta_weights", "adapter_weights"}) {
        std::string v = scalar(merged[k], std::string("model.merged_weights.") + k, file);
        if (v == "true" || v == "True") throw NotBuiltError(std::string("merged ") + k + " (adapter/delta models)");
      }
    }
    if (YAML::Node gen = model["generation"]; gen && gen.IsMap()) {
      std::string v = scalar(gen["multichoice_continuations_start_space"],
                             "model.generation.multichoice_continuations_start_space", file);
      if (!v.empty()) extra += ",multichoice_continuations_start_space=" + v;
    }
    backends::ModelArgs args = backends::parse_model_args(margs + extra, backends::EntryPoint::accelerate);
    if (args.kind != backends::BackendKind::native)
      throw Error("model config " + file + ": model.base_params.model_args must describe a base model (pretrained=...)");
    return args;
  } catch (const YAML::Exception& e) {
    throw Error("model config " + file + " has an unexpected structure: " + e.msg);
  }
}

}  // namespace lighteval::pipeline
