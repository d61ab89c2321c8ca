#include "operator/runtime/informer.h"

#include "operator/runtime/object_key.h"

namespace pgferry::runtime {

Informer::Informer(kube::KubeClient* client, Options options) : options_(std::move(options)) {
  kube::Watcher::Options watch;
  watch.resource = options_.resource;
  watch.ns = options_.ns;
  watch.label_selector = options_.label_selector;
  watch.field_selector = options_.field_selector;
  watch.watch_timeout_seconds = options_.watch_timeout_seconds;
  watch.initial_backoff = options_.initial_backoff;
  watch.max_backoff = options_.max_backoff;
  kube::Watcher::Callbacks callbacks;
  callbacks.on_event = [this](const kube::WatchEvent& event) { OnEvent(event); };
  callbacks.on_synced = [this](const std::string&) { OnSynced(); };
  callbacks.on_error = [this](const Status& status) {
    if (options_.log)
      options_.log("Watch failed resource=" + options_.resource.QualifiedName() +
                   " namespace=" + LogValue(options_.ns) + " error=" + LogValue(status.ToString()));
  };
  watcher_ = std::make_unique<kube::Watcher>(client, std::move(watch), std::move(callbacks));
}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandlers(EventHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void Informer::Start() { watcher_->Start(); }

void Informer::Stop() { watcher_->Stop(); }

void Informer::OnEvent(const kube::WatchEvent& event) {
  std::string key = ObjectKey(event.object);
  std::optional<Json> old_object;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it != objects_.end()) old_object = std::move(it->second);
    if (event.type == kube::WatchEventType::kDeleted) {
      if (it != objects_.end()) objects_.erase(it);
    } else {
      objects_[key] = event.object;
    }
  }
  for (const EventHandlers& handlers : handlers_) {
    if (event.type == kube::WatchEventType::kDeleted) {
      if (handlers.on_delete) handlers.on_delete(old_object ? *old_object : event.object);
    } else if (old_object) {
      if (handlers.on_update) handlers.on_update(*old_object, event.object);
    } else {
      if (handlers.on_add) handlers.on_add(event.object);
    }
  }
}

void Informer::OnSynced() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    synced_ = true;
  }
  synced_cv_.notify_all();
}

bool Informer::HasSynced() const { return synced_; }

Status Informer::SyncStatus() const {
  if (synced_) return Status::Ok();
  return Unavailable("the cache of " + options_.resource.QualifiedName() + " has not synced yet");
}

bool Informer::WaitForSync(std::stop_token stop, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  auto synced = [this] { return synced_.load(); };
  if (timeout == std::chrono::milliseconds::max()) return synced_cv_.wait(lock, stop, synced);
  return synced_cv_.wait_for(lock, stop, timeout, synced);
}

std::optional<Json> Informer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> Informer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<std::string> Informer::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

Informer::EventHandlers EnqueueObjectKey(WorkQueue* queue) {
  auto enqueue = [queue](const Json& object) { queue->Add(ObjectKey(object)); };
  return {enqueue, [enqueue](const Json&, const Json& now) { enqueue(now); }, enqueue};
}

Informer::EventHandlers EnqueueMappedKeys(
    WorkQueue* queue, std::function<std::vector<std::string>(const Json& object)> owners) {
  auto enqueue = [queue, owners](const Json& object) {
    for (const std::string& key : owners(object)) queue->Add(key);
  };
  return {enqueue,
          [enqueue](const Json& old_object, const Json& now) {
            enqueue(old_object);
            enqueue(now);
          },
          enqueue};
}

}  // namespace pgferry::runtime
