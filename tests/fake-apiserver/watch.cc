#include "tests/fake-apiserver/watch.h"

#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::fakeapi {

bool WatchFilter::Matches(const Json& stored) const {
  const Json& meta = Field(stored, "metadata");
  if (!namespace_.empty() && StringField(meta, "namespace") != namespace_) return false;
  if (!labels.Matches(Field(meta, "labels"))) return false;
  if (!fields.empty() && !fields.Matches(stored, field_value)) return false;
  return true;
}

Watch::Watch(WatchFilter filter, std::shared_ptr<WatchSink> sink,
             std::function<Json(const Json&, bool)> encode, std::function<Json(uint64_t)> bookmark,
             bool bookmarks, std::chrono::steady_clock::time_point deadline)
    : filter_(std::move(filter)),
      sink_(std::move(sink)),
      encode_(std::move(encode)),
      bookmark_(std::move(bookmark)),
      bookmarks_(bookmarks),
      deadline_(deadline) {}

void Watch::Send(const char* type, const Json& stored) {
  if (sink_->closed()) return;
  Json event = {{"type", type}, {"object", encode_(stored, first_)}};
  first_ = false;
  sink_->Write(event.dump() + "\n");
}

void Watch::OnChange(const Json* before, const Json* after) {
  bool was = before && filter_.Matches(*before);
  bool is = after && filter_.Matches(*after);
  if (is && !was) {
    Send("ADDED", *after);
  } else if (is && was) {
    Send("MODIFIED", *after);
  } else if (was && !is) {
    // An object leaving the selection is reported as deleted, with its new state when it still
    // exists (the deletion's resourceVersion otherwise).
    Send("DELETED", after ? *after : *before);
  }
}

void Watch::SendAdded(const Json& obj) {
  if (filter_.Matches(obj)) Send("ADDED", obj);
}

void Watch::SendBookmark(uint64_t rv, bool initial_events_end) {
  if (sink_->closed()) return;
  Json obj = bookmark_(rv);
  if (initial_events_end) {
    obj["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  }
  Json event = {{"type", "BOOKMARK"}, {"object", obj}};
  sink_->Write(event.dump() + "\n");
}

void Watch::SendError(const Json& status) {
  if (sink_->closed()) return;
  Json event = {{"type", "ERROR"}, {"object", status}};
  sink_->Write(event.dump() + "\n");
}

}  // namespace pgferry::fakeapi
