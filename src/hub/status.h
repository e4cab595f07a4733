// hub/status: turns a Hub HTTP answer into one clear error (huggingface_hub's hf_raise_for_status
// order: X-Error-Code first, then the status), and says which failures are worth retrying.
#pragma once

#include <string>

#include "hub/http.h"
#include "hub/hub.h"

namespace lighteval::hub {

struct RequestContext {
  std::string endpoint;
  std::string repo_id;
  RepoType type = RepoType::model;
  std::string revision;
  std::string filename;  // empty for API calls
  bool is_api = false;
  int attempts = 1;
};

// 0 (transport error), 408, 429 and 5xx.
bool is_retryable(const http::Response& r);
// Throws the HubError subclass matching a failed response. Never returns.
[[noreturn]] void raise_for_response(const http::Response& r, const RequestContext& ctx);
// "model repo 'x'" / "dataset repo 'x'".
std::string describe_repo(const std::string& repo_id, RepoType type);

}  // namespace lighteval::hub
