// hub/hub_errors: the Hub's failure kinds, so callers can react to one (e.g. fall back from a
// missing refs/convert/parquet branch to main) while main() prints any of them as one line.
#pragma once

#include "util/error.h"

namespace lighteval::hub {

class HubError : public Error {
 public:
  using Error::Error;
};
class RepoNotFoundError : public HubError {
 public:
  using HubError::HubError;
};
class RevisionNotFoundError : public HubError {
 public:
  using HubError::HubError;
};
class EntryNotFoundError : public HubError {
 public:
  using HubError::HubError;
};
class GatedRepoError : public HubError {
 public:
  using HubError::HubError;
};
class AuthError : public HubError {  // 401/403 without a more specific cause
 public:
  using HubError::HubError;
};
// Offline (HF_HUB_OFFLINE or no network) and the file is not in the cache.
class NotCachedError : public HubError {
 public:
  using HubError::HubError;
};
// Transport failure or 5xx after the bounded retries.
class HubNetworkError : public HubError {
 public:
  using HubError::HubError;
};

}  // namespace lighteval::hub
