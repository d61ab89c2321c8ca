// ObjectStore: the fake's "etcd": objects by (storage, namespace, name), one global
// resourceVersion counter, the event history that lets a watch resume from any retained
// resourceVersion (older ones get 410 Gone), and the open watches that changes fan out to.
//
// Not thread-safe: ApiServer serialises every call with its state mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/fake-apiserver/watch.h"

namespace pgferry::fakeapi {

class ObjectStore {
 public:
  explicit ObjectStore(size_t history_limit = 0) : history_limit_(history_limit) {}

  uint64_t current_rv() const { return rv_; }
  uint64_t NextRv() { return ++rv_; }
  // The oldest resourceVersion a watch can still start from.
  uint64_t oldest_rv() const { return compacted_rv_; }

  const Json* Get(const std::string& storage, const std::string& ns, const std::string& name) const;
  // Sorted by namespace then name; ns "" lists every namespace.
  std::vector<const Json*> List(const std::string& storage, const std::string& ns) const;
  std::vector<std::string> Storages() const;

  // Stores `obj` (whose metadata.resourceVersion the caller has set from NextRv()) and notifies
  // watches (ADDED or MODIFIED).
  void Put(const std::string& storage, const std::string& ns, const std::string& name, Json obj);
  // Removes the object; `last` is its final state carrying the deletion's resourceVersion.
  void Remove(const std::string& storage, const std::string& ns, const std::string& name,
              Json last);

  // Starts a watch: replays the history after `from_rv` (0 = synthetic ADDED for every current
  // match) and registers it for future changes. Returns false when `from_rv` is too old.
  bool StartWatch(const std::shared_ptr<Watch>& watch, uint64_t from_rv, bool initial_events);
  // Sends bookmarks, closes expired watches and forgets closed ones.
  void Tick(std::chrono::steady_clock::time_point now, bool send_bookmarks);
  void CloseAllWatches();
  // Forgets history up to `rv` (watches from older versions will get 410 Gone).
  void Compact(uint64_t rv);

 private:
  struct Event {
    uint64_t rv;
    std::string storage;
    std::shared_ptr<const Json> before;  // null for creation
    std::shared_ptr<const Json> after;   // null for deletion
  };
  using Key = std::tuple<std::string, std::string, std::string>;

  void Record(Event e);

  uint64_t rv_ = 0;
  uint64_t compacted_rv_ = 0;
  size_t history_limit_;
  std::map<Key, Json> objects_;
  std::deque<Event> history_;
  std::vector<std::shared_ptr<Watch>> watches_;
};

}  // namespace pgferry::fakeapi
