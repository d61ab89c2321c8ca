// A watch: the filter (namespace, name, label and field selectors) and the encoder of one watch
// request, writing newline-delimited watch events to the client's stream. Objects that start or
// stop matching a selector are sent as ADDED / DELETED, like kube-apiserver's watch cache does.
//
// Not thread-safe by itself: ObjectStore calls it with ApiServer's state mutex held.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/selectors.h"

namespace pgferry::fakeapi {

struct WatchFilter {
  std::string storage;
  std::string namespace_;  // "" = all namespaces
  LabelSelector labels;
  FieldSelector fields;
  std::function<std::optional<std::string>(const Json&, const std::string&)> field_value;

  bool Matches(const Json& stored) const;
};

class Watch {
 public:
  // `encode` turns a stored object into the event's "object" (the requested version, or a
  // one-row Table); `bookmark` makes the BOOKMARK object for a resourceVersion.
  Watch(WatchFilter filter, std::shared_ptr<WatchSink> sink,
        std::function<Json(const Json& stored, bool first)> encode,
        std::function<Json(uint64_t rv)> bookmark, bool bookmarks,
        std::chrono::steady_clock::time_point deadline);

  // Delivers a change; `before` is null for creations, `after` null for deletions.
  void OnChange(const Json* before, const Json* after);
  void SendAdded(const Json& obj);
  void SendBookmark(uint64_t rv, bool initial_events_end = false);
  void SendError(const Json& status);

  bool closed() const { return sink_->closed(); }
  void Close() { sink_->Close(); }
  bool bookmarks() const { return bookmarks_; }
  bool expired(std::chrono::steady_clock::time_point now) const { return now >= deadline_; }
  const WatchFilter& filter() const { return filter_; }

 private:
  void Send(const char* type, const Json& stored);

  WatchFilter filter_;
  std::shared_ptr<WatchSink> sink_;
  std::function<Json(const Json&, bool)> encode_;
  std::function<Json(uint64_t)> bookmark_;
  bool bookmarks_;
  bool first_ = true;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace pgferry::fakeapi
