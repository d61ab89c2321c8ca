// The fake API server's mutable state: the object store, the served resource types, and the
// mutex that serialises every request against them (requests are short; watches only hold it
// while an event is queued to their stream).
//
// All members are guarded by `mu`.
#pragma once

#include <mutex>
#include <string>

#include "tests/fake-apiserver/object_store.h"
#include "tests/fake-apiserver/resource_registry.h"

namespace pgferry::fakeapi {

struct ServerState {
  explicit ServerState(size_t history_limit) : store(history_limit) {}

  std::mutex mu;
  ObjectStore store;
  ResourceRegistry registry;
};

}  // namespace pgferry::fakeapi
