#include "operator/runtime/tests/fake_kube_client.h"

#include "operator/kube/api_error.h"

namespace pgferry::runtime::testing {
namespace {

Status ApiStatus(int code, const std::string& reason, const std::string& message) {
  Json body = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
               {"code", code},     {"reason", reason},   {"message", message}};
  return kube::ApiError(code, body.dump(), "");
}

std::string Meta(const Json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const Json& metadata = object["metadata"];
  auto it = metadata.find(field);
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string NameOf(const kube::Resource& resource, const std::string& name) {
  return resource.QualifiedName() + " \"" + name + "\"";
}

}  // namespace

void FakeKubeClient::set_fault(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_ = std::move(fault);
}

Status FakeKubeClient::Enter(const std::string& verb, const kube::Resource& resource) {
  Fault fault;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[verb];
    fault = fault_;
  }
  return fault ? fault(verb, resource) : Status::Ok();
}

int FakeKubeClient::calls(const std::string& verb) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(verb);
  return it == calls_.end() ? 0 : it->second;
}

void FakeKubeClient::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  compacted_ = version_;
  log_.clear();
  ++epoch_;
  cv_.notify_all();
}

void FakeKubeClient::EraseSilently(const kube::Resource& resource, const std::string& ns,
                                   const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_.erase({resource.QualifiedName(), ns, name});
  ++version_;
}

bool FakeKubeClient::WaitForWatches(int count) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return open_watches_ >= count; });
}

Json FakeKubeClient::StoreLocked(const kube::Resource& resource, const Key& key, Json object,
                                 kube::WatchEventType type) {
  std::string version = std::to_string(++version_);
  object["metadata"]["resourceVersion"] = version;
  if (type == kube::WatchEventType::kDeleted) {
    objects_.erase(key);
  } else {
    objects_[key] = object;
  }
  kube::WatchEvent event;
  event.type = type;
  event.object = object;
  log_.push_back({version_, resource.QualifiedName(), std::get<1>(key), std::move(event)});
  cv_.notify_all();
  return object;
}

Result<Json> FakeKubeClient::Get(const kube::Resource& resource, const std::string& ns,
                                 const std::string& name) {
  RETURN_IF_ERROR(Enter("get", resource));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find({resource.QualifiedName(), ns, name});
  if (it == objects_.end())
    return ApiStatus(404, "NotFound", NameOf(resource, name) + " not found");
  return it->second;
}

Result<Json> FakeKubeClient::List(const kube::Resource& resource, const std::string& ns,
                                  const kube::ListOptions&) {
  RETURN_IF_ERROR(Enter("list", resource));
  std::lock_guard<std::mutex> lock(mu_);
  Json items = Json::array();
  for (const auto& [key, object] : objects_) {
    if (std::get<0>(key) == resource.QualifiedName() && (ns.empty() || std::get<1>(key) == ns))
      items.push_back(object);
  }
  return Json{{"apiVersion", resource.ApiVersion()},
              {"kind", "List"},
              {"metadata", {{"resourceVersion", std::to_string(version_)}}},
              {"items", std::move(items)}};
}

Result<Json> FakeKubeClient::Create(const kube::Resource& resource, const Json& object) {
  RETURN_IF_ERROR(Enter("create", resource));
  std::lock_guard<std::mutex> lock(mu_);
  Json stored = object;
  std::string name = Meta(object, "name");
  if (name.empty()) return ApiStatus(422, "Invalid", "metadata.name: Required value");
  Key key{resource.QualifiedName(), Meta(object, "namespace"), name};
  if (objects_.count(key))
    return ApiStatus(409, "AlreadyExists", NameOf(resource, name) + " already exists");
  stored["metadata"]["uid"] = "uid-" + std::to_string(++uid_);
  stored["metadata"]["generation"] = 1;
  return StoreLocked(resource, key, std::move(stored), kube::WatchEventType::kAdded);
}

Result<Json> FakeKubeClient::Update(const kube::Resource& resource, const Json& object) {
  RETURN_IF_ERROR(Enter("update", resource));
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = Meta(object, "name");
  Key key{resource.QualifiedName(), Meta(object, "namespace"), name};
  auto it = objects_.find(key);
  if (it == objects_.end())
    return ApiStatus(404, "NotFound", NameOf(resource, name) + " not found");
  std::string wanted = Meta(object, "resourceVersion");
  if (!wanted.empty() && wanted != Meta(it->second, "resourceVersion"))
    return ApiStatus(409, "Conflict",
                     "Operation cannot be fulfilled on " + NameOf(resource, name) +
                         ": the object has been modified; please apply your changes to the "
                         "latest version and try again");
  Json stored = object;
  stored["metadata"]["uid"] = it->second["metadata"]["uid"];
  return StoreLocked(resource, key, std::move(stored), kube::WatchEventType::kModified);
}

Result<Json> FakeKubeClient::UpdateStatus(const kube::Resource& resource, const Json& object) {
  return Update(resource, object);
}

Result<Json> FakeKubeClient::Patch(const kube::Resource& resource, const std::string& ns,
                                   const std::string& name, kube::PatchType type,
                                   const Json& patch) {
  RETURN_IF_ERROR(Enter("patch", resource));
  std::lock_guard<std::mutex> lock(mu_);
  Key key{resource.QualifiedName(), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end())
    return ApiStatus(404, "NotFound", NameOf(resource, name) + " not found");
  Json stored = it->second;
  if (type == kube::PatchType::kMerge) {
    stored.merge_patch(patch);
  } else {
    stored = stored.patch(patch);
  }
  return StoreLocked(resource, key, std::move(stored), kube::WatchEventType::kModified);
}

Result<Json> FakeKubeClient::PatchStatus(const kube::Resource& resource, const std::string& ns,
                                         const std::string& name, kube::PatchType type,
                                         const Json& patch) {
  return Patch(resource, ns, name, type, patch);
}

Result<Json> FakeKubeClient::Delete(const kube::Resource& resource, const std::string& ns,
                                    const std::string& name, const kube::DeleteOptions&) {
  RETURN_IF_ERROR(Enter("delete", resource));
  std::lock_guard<std::mutex> lock(mu_);
  Key key{resource.QualifiedName(), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end())
    return ApiStatus(404, "NotFound", NameOf(resource, name) + " not found");
  Json last = it->second;
  StoreLocked(resource, key, std::move(last), kube::WatchEventType::kDeleted);
  return Json{{"kind", "Status"}, {"status", "Success"}};
}

Status FakeKubeClient::Watch(const kube::Resource& resource, const std::string& ns,
                             const kube::WatchOptions& options, std::stop_token stop,
                             const kube::WatchHandler& handler) {
  RETURN_IF_ERROR(Enter("watch", resource));
  std::unique_lock<std::mutex> lock(mu_);
  int64_t from = version_;
  if (!options.resource_version.empty() && options.resource_version != "0")
    from = std::stoll(options.resource_version);
  if (from < compacted_)
    return ApiStatus(410, "Expired", "too old resource version: " + options.resource_version);
  const int64_t epoch = epoch_;
  ++open_watches_;
  cv_.notify_all();
  struct Closed {
    FakeKubeClient* self;
    ~Closed() { --self->open_watches_; }
  } closed{this};

  size_t next = 0;
  while (true) {
    if (epoch != epoch_) return ApiStatus(410, "Expired", "too old resource version");
    if (stop.stop_requested()) return Status(StatusCode::kAborted, "watch stopped");
    if (next < log_.size()) {
      Logged entry = log_[next++];
      if (entry.version <= from || entry.resource != resource.QualifiedName() ||
          (!ns.empty() && entry.ns != ns))
        continue;
      from = entry.version;
      lock.unlock();
      bool go_on = handler(entry.event);
      lock.lock();
      if (!go_on) return Status::Ok();
      continue;
    }
    cv_.wait(lock, stop, [&] { return epoch != epoch_ || next < log_.size(); });
  }
}

}  // namespace pgferry::runtime::testing
