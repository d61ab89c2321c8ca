// EventRecorder: core/v1 Events about pgferry's objects, as `kubectl describe` lists them.
//
// Record() writes an Event whose involvedObject is the given object, with a CamelCase reason,
// a message (cut to 1024 bytes), type Normal or Warning, count, firstTimestamp/lastTimestamp,
// source.component and reportingComponent "pgferry" and reportingInstance the host (pod) name.
// Like client-go's recorder it folds repeats: the same object, type, reason and message again
// bumps count and lastTimestamp of the Event it made before (a merge patch) instead of adding
// one more; when that Event has expired on the server a new one is created.
//
// Thread-safe. The KubeClient must outlive the recorder. Failures are returned, and callers
// usually log and ignore them: an Event is never worth failing a reconcile for.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "operator/kube/kube_client.h"

namespace pgferry::kube {

enum class EventType { kNormal, kWarning };

struct EventSource {
  std::string component = "pgferry";
  std::string instance;  // "" = this host's name (the pod name in a cluster)
};

// The Event object for one occurrence; pure, used by EventRecorder and its tests.
// `involved` is the object the event is about (apiVersion, kind, metadata.name/namespace/uid).
Json MakeEvent(const Json& involved, EventType type, const std::string& reason,
               const std::string& message, const EventSource& source,
               std::chrono::system_clock::time_point now);

// "2025-01-02T03:04:05Z".
std::string Rfc3339(std::chrono::system_clock::time_point time);

class EventRecorder {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  explicit EventRecorder(KubeClient* client, EventSource source = {}, Clock clock = nullptr);

  Status Record(const Json& involved, EventType type, const std::string& reason,
                const std::string& message);

 private:
  struct Seen {
    std::string namespace_;
    std::string name;
    int64_t count = 0;
  };

  KubeClient* client_;
  EventSource source_;
  Clock clock_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;  // object uid/kind/name + type + reason + message → Event
};

}  // namespace pgferry::kube
