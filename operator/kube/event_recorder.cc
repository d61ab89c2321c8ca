#include "operator/kube/event_recorder.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace pgferry::kube {
namespace {

constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxRemembered = 4096;

std::string Str(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& MetadataOf(const Json& object) {
  static const Json kEmpty = Json::object();
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Cut at a UTF-8 character boundary.
std::string Truncate(const std::string& message) {
  if (message.size() <= kMaxMessageBytes) return message;
  size_t end = kMaxMessageBytes - 3;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
  return message.substr(0, end) + "...";
}

}  // namespace

std::string Rfc3339(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json MakeEvent(const Json& involved, EventType type, const std::string& reason,
               const std::string& message, const EventSource& source,
               std::chrono::system_clock::time_point now) {
  const Json& metadata = MetadataOf(involved);
  std::string name = Str(metadata, "name");
  std::string ns = Str(metadata, "namespace");
  Json ref = {
      {"apiVersion", Str(involved, "apiVersion")}, {"kind", Str(involved, "kind")}, {"name", name}};
  if (!ns.empty()) ref["namespace"] = ns;
  for (const char* key : {"uid", "resourceVersion"}) {
    std::string value = Str(metadata, key);
    if (!value.empty()) ref[key] = value;
  }
  // Unique enough and sortable, as client-go names them: "<object>.<nanoseconds in hex>".
  char suffix[32];
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos));
  std::string instance = source.instance.empty() ? HostName() : source.instance;
  std::string stamp = Rfc3339(now);
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          // Events about cluster-scoped objects live in "default", as kubectl expects.
          {"metadata", {{"name", name + suffix}, {"namespace", ns.empty() ? "default" : ns}}},
          {"involvedObject", ref},
          {"reason", reason},
          {"message", Truncate(message)},
          {"type", type == EventType::kWarning ? "Warning" : "Normal"},
          {"count", 1},
          {"firstTimestamp", stamp},
          {"lastTimestamp", stamp},
          {"source", {{"component", source.component}, {"host", instance}}},
          {"reportingComponent", source.component},
          {"reportingInstance", instance}};
}

EventRecorder::EventRecorder(KubeClient* client, EventSource source, Clock clock)
    : client_(client), source_(std::move(source)), clock_(std::move(clock)) {
  if (source_.instance.empty()) source_.instance = HostName();
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

Status EventRecorder::Record(const Json& involved, EventType type, const std::string& reason,
                             const std::string& message) {
  const Json& metadata = MetadataOf(involved);
  if (Str(metadata, "name").empty())
    return InvalidArgument("event " + reason + ": the involved object has no metadata.name");
  auto now = clock_();
  std::string key = Str(metadata, "uid") + "|" + Str(involved, "kind") + "|" +
                    Str(metadata, "namespace") + "/" + Str(metadata, "name") + "|" +
                    (type == EventType::kWarning ? "W" : "N") + "|" + reason + "|" + message;

  Seen previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = seen_.find(key);
    if (it != seen_.end()) previous = it->second;
  }
  if (previous.count > 0) {
    Json patch = {{"count", previous.count + 1}, {"lastTimestamp", Rfc3339(now)}};
    auto patched = client_->Patch(EventsResource(), previous.namespace_, previous.name,
                                  PatchType::kMerge, patch);
    if (patched.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_[key].count = previous.count + 1;
      return Status::Ok();
    }
    if (patched.status().code() != StatusCode::kNotFound) return patched.status();
    // The Event expired on the server (kube-apiserver keeps them an hour): start a new one.
  }

  Json event = MakeEvent(involved, type, reason, message, source_, now);
  auto created = client_->Create(EventsResource(), event);
  if (!created.ok()) return created.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.size() >= kMaxRemembered) seen_.clear();
  seen_[key] = {event["metadata"]["namespace"], event["metadata"]["name"], 1};
  return Status::Ok();
}

}  // namespace pgferry::kube
