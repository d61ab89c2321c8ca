// FakeKubeClient: an in-memory KubeClient for tests of the code above operator/kube.
//
// It keeps objects the way the API server does, as far as reconcilers can tell:
//   - metadata.uid, creationTimestamp, a global string resourceVersion bumped on every real
//     change (a no-op write keeps it), generation 1 on create and +1 on changes outside
//     metadata and status; generateName; namespace from the object;
//   - Create → kAlreadyExists; Get/Update/Patch/Delete of a missing object → kNotFound;
//     a write carrying a stale metadata.resourceVersion → kConflict (also through patches);
//   - resources with a status subresource (PgMigrations, plus AddStatusSubresource): writes to
//     the object keep the stored status, UpdateStatus/PatchStatus change only status;
//   - merge patch (RFC 7386) and JSON patch (RFC 6902; a failed "test" → kInvalidArgument);
//   - Delete with finalizers sets deletionTimestamp; removing the last finalizer deletes;
//     preconditions (uid, resourceVersion) → kConflict;
//   - List and Watch with label selectors (=, ==, !=, exists, !exists, in, notin) and field
//     selectors on metadata.name / metadata.namespace; Watch replays changes after the given
//     resourceVersion (synthetic ADDED for "" and "0"), then streams until stopped.
// Test hooks: CompactHistory() (later watches from older versions get 410 Gone), CloseWatches()
// (open streams end, as on a server timeout), FailNext() (inject an error into the next call of
// a verb) and actions() (what was called, "create secrets apps/db").
//
// Thread-safe; Watch blocks its caller like the real one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "operator/kube/kube_client.h"

namespace pgferry::kube {

class FakeKubeClient : public KubeClient {
 public:
  FakeKubeClient();

  // Marks `resource` as having a status subresource (PgMigrationsResource() already has one).
  void AddStatusSubresource(const Resource& resource);
  // Stores `object` as it is (no checks, no events), e.g. to seed a test; returns it as stored.
  Json Seed(const Resource& resource, Json object);
  // Watches from a resourceVersion older than now get ERROR 410 from here on.
  void CompactHistory();
  // Every open Watch returns OK, as when the server's timeoutSeconds passes.
  void CloseWatches();
  // The next call of `verb` ("get", "list", "create", "update", "updatestatus", "patch",
  // "patchstatus", "delete", "watch") fails with `status`.
  void FailNext(const std::string& verb, Status status);
  // "verb plural namespace/name" for every call so far.
  std::vector<std::string> actions() const;

  Result<Json> Get(const Resource& resource, const std::string& ns,
                   const std::string& name) override;
  Result<Json> List(const Resource& resource, const std::string& ns,
                    const ListOptions& options) override;
  Result<Json> Create(const Resource& resource, const Json& object) override;
  Result<Json> Update(const Resource& resource, const Json& object) override;
  Result<Json> UpdateStatus(const Resource& resource, const Json& object) override;
  Result<Json> Patch(const Resource& resource, const std::string& ns, const std::string& name,
                     PatchType type, const Json& patch) override;
  Result<Json> PatchStatus(const Resource& resource, const std::string& ns, const std::string& name,
                           PatchType type, const Json& patch) override;
  Result<Json> Delete(const Resource& resource, const std::string& ns, const std::string& name,
                      const DeleteOptions& options) override;
  Status Watch(const Resource& resource, const std::string& ns, const WatchOptions& options,
               std::stop_token stop, const WatchHandler& handler) override;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // collection, namespace, name
  struct Change {
    uint64_t resource_version;
    std::string collection;
    WatchEventType type;
    Json object;  // after the change; for DELETED the last state
    Json before;  // null for creations
  };

  static std::string Collection(const Resource& resource);
  Status Begin(const std::string& verb, const Resource& resource, const std::string& ns,
               const std::string& name);  // records the action, returns an injected failure
  // The bodies of Update/UpdateStatus and Patch/PatchStatus, with mu_ held.
  Result<Json> Write(const Resource& resource, Json object, bool status_only);
  Result<Json> ApplyPatch(const Resource& resource, const std::string& ns, const std::string& name,
                          PatchType type, const Json& patch, bool status_only);
  Result<Json> Commit(const Resource& resource, const Key& key, Json updated);
  Result<Json> Store(const Resource& resource, const Key& key, Json object, WatchEventType type);
  void Erase(const Key& key, Json last);
  std::string NextResourceVersion();

  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  std::map<Key, Json> objects_;
  std::set<std::string> status_subresources_;
  std::vector<Change> history_;
  uint64_t resource_version_ = 1000;
  uint64_t compacted_before_ = 0;
  uint64_t close_epoch_ = 0;
  uint64_t uid_counter_ = 0;
  std::map<std::string, Status> failures_;
  std::vector<std::string> actions_;
};

}  // namespace pgferry::kube
