#include "hub/status.h"

#include "hub/hub_errors.h"

namespace lighteval::hub {

std::string describe_repo(const std::string& repo_id, RepoType type) {
  return std::string(type == RepoType::dataset ? "dataset" : "model") + " repo '" + repo_id + "'";
}

bool is_retryable(const http::Response& r) {
  if (r.status == 0 || !r.transport_error.empty()) return true;
  return r.status == 408 || r.status == 429 || r.status >= 500;
}

void raise_for_response(const http::Response& r, const RequestContext& ctx) {
  const std::string repo = describe_repo(ctx.repo_id, ctx.type);
  const std::string what = ctx.filename.empty() ? repo : "'" + ctx.filename + "' of " + repo;
  const std::string login = "set HF_TOKEN or run `huggingface-cli login`";
  const std::string tries = ctx.attempts > 1 ? " after " + std::to_string(ctx.attempts) + " attempts" : "";

  if (r.status == 0 || (!r.transport_error.empty() && r.status < 300)) {
    throw HubNetworkError("cannot reach the Hub at " + ctx.endpoint + " for " + what + tries + " (" +
                          r.transport_error + "): check the network connection, or set HF_HUB_OFFLINE=1 to " +
                          "use the local cache");
  }
  const std::string code = r.header("x-error-code");
  const std::string message = r.header("x-error-message");
  const std::string repo_url = ctx.endpoint + "/" + (ctx.type == RepoType::dataset ? "datasets/" : "") + ctx.repo_id;

  if (code == "RevisionNotFound") {
    throw RevisionNotFoundError("revision '" + ctx.revision + "' not found in " + repo +
                                ": use an existing branch, tag or commit");
  }
  if (code == "EntryNotFound") {
    throw EntryNotFoundError("file '" + ctx.filename + "' not found in " + repo + " at revision '" +
                             ctx.revision + "'");
  }
  if (code == "GatedRepo") {
    throw GatedRepoError(repo + " is gated: accept its conditions on " + repo_url + " and " + login +
                         " with an account that has been granted access (HTTP " + std::to_string(r.status) + ")");
  }
  if (r.status == 403 && message == "Access to this resource is disabled.") {
    throw AuthError(repo + " has been disabled on the Hub (HTTP 403)");
  }
  const bool invalid_credentials = message == "Invalid credentials in Authorization header";
  if (code == "RepoNotFound" || (r.status == 401 && ctx.is_api && !invalid_credentials) ||
      (r.status == 404 && ctx.filename.empty())) {
    throw RepoNotFoundError(repo + " not found on " + ctx.endpoint +
                            ": check its name, or if it is private or gated " + login + " (HTTP " +
                            std::to_string(r.status) + ")");
  }
  if (r.status == 401) {
    if (invalid_credentials)
      throw AuthError("the Hub rejected the token (invalid credentials) for " + what + ": check HF_TOKEN or run `huggingface-cli login` again");
    throw AuthError("authentication required for " + what + " (HTTP 401): " + login);
  }
  if (r.status == 403) {
    throw AuthError("access to " + what + " is forbidden (HTTP 403): the token has no access to it; " + login +
                    " with an account that can read it");
  }
  if (r.status == 404) {
    throw EntryNotFoundError("file '" + ctx.filename + "' not found in " + repo + " at revision '" +
                             ctx.revision + "' (HTTP 404)");
  }
  if (r.status == 429) {
    throw HubNetworkError("the Hub rate-limited the requests for " + what + tries +
                          " (HTTP 429): wait a few minutes and run again");
  }
  if (r.status >= 500) {
    throw HubNetworkError("the Hub at " + ctx.endpoint + " failed (HTTP " + std::to_string(r.status) + ") for " +
                          what + tries + ": try again later");
  }
  throw HubError("unexpected answer from the Hub for " + what + ": HTTP " + std::to_string(r.status) +
                 (message.empty() ? "" : " (" + message + ")"));
}

}  // namespace lighteval::hub
