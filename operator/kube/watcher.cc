#include "operator/kube/watcher.h"

#include <condition_variable>
#include <set>

#include "operator/kube/api_error.h"

namespace pgferry::kube {
namespace {

std::string Field(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Metadata(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  return metadata != object.end() && metadata->is_object() ? Field(*metadata, key) : "";
}

std::string KeyOf(const Json& object) {
  return Metadata(object, "namespace") + "/" + Metadata(object, "name");
}

}  // namespace

Watcher::Watcher(KubeClient* client, Options options, Callbacks callbacks)
    : client_(client), options_(std::move(options)), callbacks_(std::move(callbacks)) {}

Watcher::~Watcher() { Stop(); }

void Watcher::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void Watcher::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Watcher::Report(const Status& status) {
  if (callbacks_.on_error) callbacks_.on_error(status);
}

bool Watcher::Sleep(const std::stop_token& stop, std::chrono::milliseconds delay) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

Status Watcher::ListAndDeliver(std::string* resource_version) {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  ASSIGN_OR_RETURN(Json list, client_->List(options_.resource, options_.ns, list_options));
  auto items = list.find("items");
  if (list.find("metadata") == list.end() ||
      (items != list.end() && !items->is_array() && !items->is_null()))
    return Internal("list of " + options_.resource.QualifiedName() + " is malformed");

  // Items of a list carry no apiVersion/kind on a real server; take them from the list.
  std::string list_kind = Field(list, "kind");
  std::string kind = list_kind.size() > 4 && list_kind.ends_with("List")
                         ? list_kind.substr(0, list_kind.size() - 4)
                         : list_kind;
  std::string api_version = Field(list, "apiVersion");

  std::set<std::string> present;
  if (items != list.end() && items->is_array()) {
    for (Json& item : *items) {
      if (!item.contains("apiVersion") && !api_version.empty()) item["apiVersion"] = api_version;
      if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
      std::string key = KeyOf(item);
      present.insert(key);
      WatchEvent event;
      event.object = std::move(item);
      auto it = known_.find(key);
      if (it == known_.end()) {
        event.type = WatchEventType::kAdded;
      } else if (it->second.resource_version != event.ResourceVersion()) {
        event.type = WatchEventType::kModified;
      } else {
        continue;  // delivered already, unchanged
      }
      known_[key] = {event.ResourceVersion(), Field(event.object, "apiVersion"),
                     Field(event.object, "kind")};
      if (callbacks_.on_event) callbacks_.on_event(event);
    }
  }
  // What disappeared while we were not watching.
  for (auto it = known_.begin(); it != known_.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    size_t slash = it->first.find('/');
    WatchEvent event;
    event.type = WatchEventType::kDeleted;
    event.object = {{"apiVersion", it->second.api_version},
                    {"kind", it->second.kind},
                    {"metadata",
                     {{"namespace", it->first.substr(0, slash)},
                      {"name", it->first.substr(slash + 1)},
                      {"resourceVersion", it->second.resource_version}}}};
    if (event.object["metadata"]["namespace"] == "") event.object["metadata"].erase("namespace");
    it = known_.erase(it);
    if (callbacks_.on_event) callbacks_.on_event(event);
  }
  *resource_version = Metadata(list, "resourceVersion");
  if (callbacks_.on_synced) callbacks_.on_synced(*resource_version);
  return Status::Ok();
}

void Watcher::Apply(const WatchEvent& event, std::string* resource_version) {
  std::string version = event.ResourceVersion();
  switch (event.type) {
    case WatchEventType::kBookmark:
      if (!version.empty()) *resource_version = version;
      return;
    case WatchEventType::kError:
      return;  // Watch returns it as its Status
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
      known_[KeyOf(event.object)] = {version, Field(event.object, "apiVersion"),
                                     Field(event.object, "kind")};
      break;
    case WatchEventType::kDeleted:
      known_.erase(KeyOf(event.object));
      break;
  }
  if (!version.empty()) *resource_version = version;
  if (callbacks_.on_event) callbacks_.on_event(event);
}

void Watcher::Run(std::stop_token stop) {
  std::string resource_version;
  bool need_list = true;
  std::chrono::milliseconds backoff = options_.initial_backoff;
  auto back_off = [&](const Status& st) {
    Report(st);
    bool awake = Sleep(stop, backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
    return awake;
  };

  while (!stop.stop_requested()) {
    if (need_list) {
      Status listed = ListAndDeliver(&resource_version);
      if (!listed.ok()) {
        if (!back_off(listed)) return;
        continue;
      }
      need_list = false;
      backoff = options_.initial_backoff;
    }

    WatchOptions watch_options;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.resource_version = resource_version;
    watch_options.timeout_seconds = options_.watch_timeout_seconds;
    watch_options.allow_bookmarks = true;
    int delivered = 0;
    auto opened = std::chrono::steady_clock::now();
    Status st = client_->Watch(options_.resource, options_.ns, watch_options, stop,
                               [&](const WatchEvent& event) {
                                 ++delivered;
                                 Apply(event, &resource_version);
                                 return true;
                               });
    if (stop.stop_requested()) return;
    if (st.ok()) {
      // A stream that closes at once with nothing in it, again and again, must not spin.
      if (delivered == 0 && std::chrono::steady_clock::now() - opened < std::chrono::seconds(1)) {
        if (!Sleep(stop, backoff)) return;
        backoff = std::min(backoff * 2, options_.max_backoff);
      } else {
        backoff = options_.initial_backoff;
      }
      continue;  // re-watch from the last version seen
    }
    if (IsGone(st)) {
      need_list = true;  // relist at once; the diff delivers what was missed
      continue;
    }
    if (!back_off(st)) return;
  }
}

}  // namespace pgferry::kube
