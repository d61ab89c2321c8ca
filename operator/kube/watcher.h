// Watcher: keeps one collection's changes flowing to a callback, whatever happens to the stream.
//
// It lists, then watches from the list's resourceVersion, and carries on for as long as it runs:
//   - a stream that ends (timeoutSeconds, server restart) is re-opened from the last version seen;
//   - BOOKMARK events move that version forward without being delivered;
//   - 410 Gone (the version was compacted away) leads to a new list, and the difference between
//     what was delivered before and the new list is delivered as ADDED / MODIFIED / DELETED, so a
//     cache fed by the callback ends up equal to the server's state without a "replace" step;
//   - any other failure is reported to on_error and retried with exponential backoff.
// on_synced is called after each list has been delivered (the first call means "initial state
// complete", what an informer calls HasSynced).
//
// The Watcher remembers only each object's key and resourceVersion, not the objects; the
// DELETED events it makes up after a relist carry {apiVersion, kind, metadata: {name, namespace,
// resourceVersion}} of the last version delivered.
//
// Callbacks run on the watcher's thread, one at a time, in order. Start/Stop may be called from
// any thread; Stop blocks until the thread has finished (it closes an open stream at once).
// The KubeClient must outlive the Watcher.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "operator/kube/kube_client.h"

namespace pgferry::kube {

class Watcher {
 public:
  struct Options {
    Resource resource;
    std::string ns;  // "" = all namespaces (or a cluster-scoped resource)
    std::string label_selector;
    std::string field_selector;
    int watch_timeout_seconds = 300;
    std::chrono::milliseconds initial_backoff{200};
    std::chrono::milliseconds max_backoff{30000};
  };
  struct Callbacks {
    std::function<void(const WatchEvent&)> on_event;  // ADDED, MODIFIED, DELETED only
    std::function<void(const std::string& resource_version)> on_synced;  // optional
    std::function<void(const Status&)> on_error;  // optional; for logs and metrics
  };

  Watcher(KubeClient* client, Options options, Callbacks callbacks);
  ~Watcher();  // Stop()
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Runs the loop on a thread of its own. Call at most once.
  void Start();
  // Ends the loop and waits for it; safe to call more than once.
  void Stop();

  // The loop itself, on the caller's thread, until `stop` is requested (Start uses this).
  void Run(std::stop_token stop);

 private:
  struct Known {
    std::string resource_version;
    std::string api_version;
    std::string kind;
  };

  Status ListAndDeliver(std::string* resource_version);
  // Keeps `known_` and the version in step with one watch event and delivers it (not BOOKMARKs).
  void Apply(const WatchEvent& event, std::string* resource_version);
  void Report(const Status& status);
  // Sleeps for `delay` unless `stop` comes first; returns false when stopped.
  bool Sleep(const std::stop_token& stop, std::chrono::milliseconds delay);

  KubeClient* client_;
  Options options_;
  Callbacks callbacks_;
  std::map<std::string, Known> known_;  // "namespace/name" → last delivered version
  std::jthread thread_;
};

}  // namespace pgferry::kube
