// FakeKubeClient: an in-memory API server behind the KubeClient interface, for runtime tests.
//
// Objects live in a map keyed by resource, namespace and name. Every write takes the next value
// of one resourceVersion counter, as etcd does; Update with a stale metadata.resourceVersion
// fails with 409 Conflict, Create of an existing name with 409 AlreadyExists. Every change is
// also appended to an event log that Watch replays from the requested version and then follows;
// Compact() forgets the log, so watches from older versions (and open ones) end with 410 Gone and
// their clients must relist. set_fault() makes chosen calls fail, e.g. to simulate a partition.
//
// Thread-safe; Watch blocks its caller until stopped, like a real stream.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "operator/kube/kube_client.h"

namespace pgferry::runtime::testing {

using kube::Json;

class FakeKubeClient : public kube::KubeClient {
 public:
  // Called with "get", "list", "create", "update", "patch", "delete" or "watch" before each call;
  // a non-OK Status is returned instead of doing it.
  using Fault = std::function<Status(const std::string& verb, const kube::Resource& resource)>;

  void set_fault(Fault fault);
  // Ends every open watch with 410 Gone and refuses to replay from versions before now.
  void Compact();
  // Removes an object without an event, as if the change happened while nobody watched.
  void EraseSilently(const kube::Resource& resource, const std::string& ns,
                     const std::string& name);
  // Waits (up to 5 s) until at least `count` watches are open.
  bool WaitForWatches(int count);
  int calls(const std::string& verb) const;

  Result<Json> Get(const kube::Resource& resource, const std::string& ns,
                   const std::string& name) override;
  Result<Json> List(const kube::Resource& resource, const std::string& ns,
                    const kube::ListOptions& options) override;
  Result<Json> Create(const kube::Resource& resource, const Json& object) override;
  Result<Json> Update(const kube::Resource& resource, const Json& object) override;
  Result<Json> UpdateStatus(const kube::Resource& resource, const Json& object) override;
  Result<Json> Patch(const kube::Resource& resource, const std::string& ns, const std::string& name,
                     kube::PatchType type, const Json& patch) override;
  Result<Json> PatchStatus(const kube::Resource& resource, const std::string& ns,
                           const std::string& name, kube::PatchType type,
                           const Json& patch) override;
  Result<Json> Delete(const kube::Resource& resource, const std::string& ns,
                      const std::string& name, const kube::DeleteOptions& options) override;
  Status Watch(const kube::Resource& resource, const std::string& ns,
               const kube::WatchOptions& options, std::stop_token stop,
               const kube::WatchHandler& handler) override;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // resource, namespace, name
  struct Logged {
    int64_t version;
    std::string resource;
    std::string ns;
    kube::WatchEvent event;
  };

  Status Enter(const std::string& verb, const kube::Resource& resource);
  // Stores `object` under a new resourceVersion and logs the event; returns the stored copy.
  Json StoreLocked(const kube::Resource& resource, const Key& key, Json object,
                   kube::WatchEventType type);

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  Fault fault_;
  std::map<std::string, int> calls_;
  std::map<Key, Json> objects_;
  std::vector<Logged> log_;
  int64_t version_ = 100;
  int64_t compacted_ = 0;  // watches from before this version get 410
  int64_t epoch_ = 0;      // bumped by Compact to end open watches
  int open_watches_ = 0;
  int64_t uid_ = 0;
};

}  // namespace pgferry::runtime::testing
