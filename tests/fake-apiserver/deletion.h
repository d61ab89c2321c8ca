// Deletion as kube-apiserver and its controllers carry it out: finalizers keep an object (with
// deletionTimestamp set) until the last one is removed; a terminating Namespace or CRD waits for
// its contents to go; deleting an object garbage-collects dependents whose ownerReferences all
// point at deleted owners (background propagation; foreground and orphan are treated alike).
//
// Not thread-safe: callers hold ServerState::mu.
#pragma once

#include <string>

#include "tests/fake-apiserver/server_state.h"

namespace pgferry::fakeapi {

struct DeleteResult {
  bool removed = false;  // gone from the store now (otherwise marked with deletionTimestamp)
  Json object;           // the final state (removed) or the terminating object
};

// Deletes (or starts deleting) a stored object of `storage_type`.
DeleteResult DeleteStored(ServerState& state, const ResourceType& storage_type, const Json& stored,
                          const std::string& now);

// After an update: removes an object whose deletion was waiting only for finalizers that are now
// gone. Returns true when it was removed.
bool FinishDeletionIfReady(ServerState& state, const ResourceType& storage_type, const Json& stored);

}  // namespace pgferry::fakeapi
