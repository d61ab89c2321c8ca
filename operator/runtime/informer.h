// Informer: an in-memory copy of one collection (PgMigrations of a namespace or of all
// namespaces, Secrets, ...) kept up to date from the API server, with change notifications.
//
// A kube::Watcher lists and then watches the collection (re-listing after 410 Gone); every
// ADDED / MODIFIED / DELETED event first updates the cache and then calls the event handlers, so
// a reconcile triggered by a handler already sees the new state. HasSynced() turns true once the
// first list has been stored: until then the cache is incomplete and reconcilers must not
// conclude that an object is absent. Handlers usually just enqueue keys (EnqueueObjectKey);
// the reconciler then reads the object with Get.
//
// Ownership: the KubeClient must outlive the informer. Get/List return copies, so callers never
// hold references into the cache. Thread-safety: Get, List, Keys, HasSynced and WaitForSync may
// be called from any thread; handlers run one at a time on the watcher's thread and must not
// block for long. AddEventHandlers must be called before Start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "operator/kube/kube_client.h"
#include "operator/kube/watcher.h"
#include "operator/runtime/log.h"
#include "operator/runtime/work_queue.h"

namespace pgferry::runtime {

using Json = nlohmann::json;

class Informer {
 public:
  struct Options {
    kube::Resource resource;
    std::string ns;  // "" = all namespaces (or a cluster-scoped resource)
    std::string label_selector;
    std::string field_selector;
    int watch_timeout_seconds = 300;
    std::chrono::milliseconds initial_backoff{200};  // after a failed list or watch
    std::chrono::milliseconds max_backoff{30000};
    LogSink log = StderrLog;
  };
  struct EventHandlers {
    std::function<void(const Json& object)> on_add;
    std::function<void(const Json& old_object, const Json& new_object)> on_update;
    // The last state the cache held (a relist reports deletions with metadata only).
    std::function<void(const Json& last_state)> on_delete;
  };

  Informer(kube::KubeClient* client, Options options);
  ~Informer();  // Stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // REQUIRES: Start has not been called.
  void AddEventHandlers(EventHandlers handlers);
  // Starts the watcher thread. Call at most once.
  void Start();
  // Stops the watcher and waits for it; the cache keeps its last contents.
  void Stop();

  bool HasSynced() const;
  // OK once synced, kUnavailable before: a readiness check (ProbeServer::AddReadyCheck).
  Status SyncStatus() const;
  // Waits until the first list is in the cache; false if `stop` or `timeout` came first.
  bool WaitForSync(std::stop_token stop,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // A copy of the cached object with key "namespace/name" (or "name"), if present.
  std::optional<Json> Get(const std::string& key) const;
  std::vector<Json> List() const;
  std::vector<std::string> Keys() const;

 private:
  void OnEvent(const kube::WatchEvent& event);
  void OnSynced();

  Options options_;
  std::vector<EventHandlers> handlers_;
  mutable std::mutex mu_;
  std::condition_variable_any synced_cv_;
  std::map<std::string, Json> objects_;
  std::atomic<bool> synced_{false};
  std::unique_ptr<kube::Watcher> watcher_;
};

// Handlers that add the key of the object that changed to `queue`.
Informer::EventHandlers EnqueueObjectKey(WorkQueue* queue);

// Handlers that add the keys `owners` returns for the object that changed, e.g. the PgMigrations
// that reference a Secret, so a rotated password triggers their reconcile. On update both the old
// and the new object are mapped.
Informer::EventHandlers EnqueueMappedKeys(
    WorkQueue* queue, std::function<std::vector<std::string>(const Json& object)> owners);

}  // namespace pgferry::runtime
