// KubeClient: the Kubernetes API as the rest of pgferry sees it.
//
// This is the only door to the API server for reconcilers/ and the runtime: the cpprestsdk
// adapter (http_kube_client.h) implements it for real servers, and tests implement it in memory.
// Objects are nlohmann::json exactly as the server sends them (apiVersion, kind, metadata, ...).
// Every call returns a Status or Result; API errors are decoded as api_error.h describes (404 →
// kNotFound, 409 → kConflict / kAlreadyExists, 410 → IsGone(), ...), unreachable servers give
// kUnavailable. Nothing throws.
//
// Implementations are safe to call from several threads at once; a Watch blocks its caller for as
// long as the stream lasts and may run next to any number of other calls.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "operator/common/status.h"
#include "operator/kube/resource.h"

namespace pgferry::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;    // "app=pgferry,tier!=db"
  std::string field_selector;    // "metadata.name=m1"
  std::string resource_version;  // "" = most recent; "0" = whatever the server has cached
  int64_t limit = 0;             // 0 = everything in one answer
  std::string continue_token;    // metadata.continue of the previous page
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  // Changes after this version are sent; "" or "0" first sends ADDED for every current object.
  std::string resource_version;
  int timeout_seconds = 300;    // the server ends the stream after this; 0 = server default
  bool allow_bookmarks = true;  // ask for BOOKMARK events (progress without changes)
};

struct DeleteOptions {
  std::string propagation_policy;  // "Background", "Foreground", "Orphan"; "" = server default
  std::optional<int64_t> grace_period_seconds;
  // Preconditions: the delete fails with kConflict when the live object differs.
  std::string precondition_uid;
  std::string precondition_resource_version;
};

enum class PatchType {
  kMerge,  // application/merge-patch+json (RFC 7386)
  kJson,   // application/json-patch+json (RFC 6902): an array of operations
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
const char* WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object (for DELETED its last state; for BOOKMARK only apiVersion, kind and
  // metadata.resourceVersion; for ERROR the metav1.Status the server sent).
  Json object;
  Status error;  // kError only: `object` decoded like any API error

  // object.metadata.resourceVersion, "" when absent.
  std::string ResourceVersion() const;
};

// Called for each event in order, on the thread that called Watch. Return false to end the watch.
using WatchHandler = std::function<bool(const WatchEvent&)>;

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // `ns` is "" for cluster-scoped resources; for List and Watch "" means all namespaces.
  virtual Result<Json> Get(const Resource& resource, const std::string& ns,
                           const std::string& name) = 0;
  // The list object: {"kind": "...List", "metadata": {"resourceVersion", "continue"}, "items"}.
  virtual Result<Json> List(const Resource& resource, const std::string& ns,
                            const ListOptions& options) = 0;

  // Create, Update and UpdateStatus take the namespace and name from object.metadata; Create
  // honours metadata.generateName. Each returns the object as stored by the server.
  virtual Result<Json> Create(const Resource& resource, const Json& object) = 0;
  // PUT of the whole object; a metadata.resourceVersion in it makes the write conditional
  // (kConflict when the live object has moved on).
  virtual Result<Json> Update(const Resource& resource, const Json& object) = 0;
  virtual Result<Json> UpdateStatus(const Resource& resource, const Json& object) = 0;

  virtual Result<Json> Patch(const Resource& resource, const std::string& ns,
                             const std::string& name, PatchType type, const Json& patch) = 0;
  virtual Result<Json> PatchStatus(const Resource& resource, const std::string& ns,
                                   const std::string& name, PatchType type, const Json& patch) = 0;

  // Returns what the server answered: the object (still present while finalizers run, with
  // deletionTimestamp set) or a metav1.Status of kind "Status" when it is gone.
  virtual Result<Json> Delete(const Resource& resource, const std::string& ns,
                              const std::string& name, const DeleteOptions& options) = 0;

  // Streams changes to `handler` until the stream ends, and then returns:
  //   OK          the server closed the stream (e.g. timeout_seconds passed) or the handler
  //               returned false;
  //   kAborted    `stop` was requested (the connection is closed promptly);
  //   the error   of an ERROR event, after delivering it (IsGone() for 410: relist first);
  //   kUnavailable / others when the request failed or the connection broke.
  virtual Status Watch(const Resource& resource, const std::string& ns, const WatchOptions& options,
                       std::stop_token stop, const WatchHandler& handler) = 0;
};

}  // namespace pgferry::kube
