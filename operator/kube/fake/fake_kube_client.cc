#include "operator/kube/fake/fake_kube_client.h"

#include <cstdio>

#include "operator/kube/event_recorder.h"
#include "operator/kube/fake/selectors.h"

namespace pgferry::kube {
namespace {

std::string Meta(const Json& object, const char* key) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto it = metadata->find(key);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

Status ApiStatus(StatusCode code, const char* reason, std::string message) {
  return Status(code, std::move(message)).WithDetail(reason);
}

Status NotFoundError(const Resource& r, const std::string& name) {
  return ApiStatus(StatusCode::kNotFound, "NotFound",
                   r.QualifiedName() + " \"" + name + "\" not found");
}

Status ConflictError(const Resource& r, const std::string& name) {
  return ApiStatus(StatusCode::kConflict, "Conflict",
                   "Operation cannot be fulfilled on " + r.QualifiedName() + " \"" + name +
                       "\": the object has been modified; please apply your changes to the "
                       "latest version and try again");
}

// Everything but metadata and status: what `generation` counts changes of.
Json SpecPart(Json object) {
  object.erase("metadata");
  object.erase("status");
  return object;
}

bool HasFinalizers(const Json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end()) return false;
  auto finalizers = metadata->find("finalizers");
  return finalizers != metadata->end() && finalizers->is_array() && !finalizers->empty();
}

}  // namespace

FakeKubeClient::FakeKubeClient() { AddStatusSubresource(PgMigrationsResource()); }

std::string FakeKubeClient::Collection(const Resource& resource) {
  return resource.plural + "." + resource.group;
}

void FakeKubeClient::AddStatusSubresource(const Resource& resource) {
  std::lock_guard<std::mutex> lock(mu_);
  status_subresources_.insert(Collection(resource));
}

Json FakeKubeClient::Seed(const Resource& resource, Json object) {
  std::lock_guard<std::mutex> lock(mu_);
  Json& metadata = object["metadata"];
  if (!metadata.contains("uid")) metadata["uid"] = "seed-uid-" + std::to_string(++uid_counter_);
  if (!metadata.contains("resourceVersion")) metadata["resourceVersion"] = NextResourceVersion();
  if (!object.contains("apiVersion")) object["apiVersion"] = resource.ApiVersion();
  objects_[{Collection(resource), Meta(object, "namespace"), Meta(object, "name")}] = object;
  return object;
}

void FakeKubeClient::CompactHistory() {
  std::lock_guard<std::mutex> lock(mu_);
  compacted_before_ = resource_version_;
}

void FakeKubeClient::CloseWatches() {
  std::lock_guard<std::mutex> lock(mu_);
  ++close_epoch_;
  changed_.notify_all();
}

void FakeKubeClient::FailNext(const std::string& verb, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_[verb] = std::move(status);
}

std::vector<std::string> FakeKubeClient::actions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return actions_;
}

std::string FakeKubeClient::NextResourceVersion() { return std::to_string(++resource_version_); }

Status FakeKubeClient::Begin(const std::string& verb, const Resource& resource,
                             const std::string& ns, const std::string& name) {
  actions_.push_back(verb + " " + resource.plural + " " + ns + "/" + name);
  auto it = failures_.find(verb);
  if (it == failures_.end()) return Status::Ok();
  Status injected = it->second;
  failures_.erase(it);
  return injected;
}

Result<Json> FakeKubeClient::Store(const Resource& resource, const Key& key, Json object,
                                   WatchEventType type) {
  auto existing = objects_.find(key);
  Json before = existing != objects_.end() ? existing->second : Json();
  object["metadata"]["resourceVersion"] = NextResourceVersion();
  objects_[key] = object;
  history_.push_back({resource_version_, std::get<0>(key), type, object, before});
  changed_.notify_all();
  return object;
}

void FakeKubeClient::Erase(const Key& key, Json last) {
  objects_.erase(key);
  last["metadata"]["resourceVersion"] = NextResourceVersion();
  history_.push_back({resource_version_, std::get<0>(key), WatchEventType::kDeleted, last, last});
  changed_.notify_all();
}

// Finishes a write: a no-op keeps the version, generation counts spec changes, and an object
// being deleted goes away with its last finalizer.
Result<Json> FakeKubeClient::Commit(const Resource& resource, const Key& key, Json updated) {
  const Json& current = objects_.at(key);
  Json comparable = updated;
  comparable["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
  if (comparable == current) return current;
  if (SpecPart(updated) != SpecPart(current))
    updated["metadata"]["generation"] = current["metadata"].value("generation", 1) + 1;
  if (updated["metadata"].contains("deletionTimestamp") && !HasFinalizers(updated)) {
    Erase(key, updated);
    return updated;
  }
  return Store(resource, key, std::move(updated), WatchEventType::kModified);
}

Result<Json> FakeKubeClient::Get(const Resource& resource, const std::string& ns,
                                 const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Begin("get", resource, ns, name));
  auto it = objects_.find({Collection(resource), ns, name});
  if (it == objects_.end()) return NotFoundError(resource, name);
  return it->second;
}

Result<Json> FakeKubeClient::List(const Resource& resource, const std::string& ns,
                                  const ListOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Begin("list", resource, ns, ""));
  ASSIGN_OR_RETURN(Selector selector,
                   Selector::Parse(options.label_selector, options.field_selector));
  Json items = Json::array();
  std::string kind;
  for (const auto& [key, object] : objects_) {
    if (std::get<0>(key) != Collection(resource)) continue;
    if (!ns.empty() && std::get<1>(key) != ns) continue;
    if (!selector.Matches(object)) continue;
    if (kind.empty()) kind = object.value("kind", "");
    items.push_back(object);
  }
  return Json{{"apiVersion", resource.ApiVersion()},
              {"kind", kind.empty() ? "List" : kind + "List"},
              {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
              {"items", items}};
}

Result<Json> FakeKubeClient::Create(const Resource& resource, const Json& object) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string ns = Meta(object, "namespace");
  std::string name = Meta(object, "name");
  RETURN_IF_ERROR(Begin("create", resource, ns, name));
  if (!object.is_object()) return InvalidArgument("create: the object is not a map");
  Json stored = object;
  if (name.empty()) {
    std::string prefix = Meta(object, "generateName");
    if (prefix.empty())
      return ApiStatus(StatusCode::kInvalidArgument, "Invalid",
                       "metadata.name: Required value: name or generateName is required");
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%05llx",
                  static_cast<unsigned long long>((resource_version_ * 2654435761u) & 0xFFFFF));
    name = prefix + suffix;
    stored["metadata"]["name"] = name;
  }
  Key key{Collection(resource), ns, name};
  if (objects_.count(key))
    return ApiStatus(StatusCode::kAlreadyExists, "AlreadyExists",
                     resource.QualifiedName() + " \"" + name + "\" already exists");
  Json& metadata = stored["metadata"];
  metadata["uid"] = "fake-uid-" + std::to_string(++uid_counter_);
  metadata["creationTimestamp"] = Rfc3339(std::chrono::system_clock::now());
  metadata["generation"] = 1;
  metadata.erase("deletionTimestamp");
  if (!stored.contains("apiVersion")) stored["apiVersion"] = resource.ApiVersion();
  if (status_subresources_.count(Collection(resource))) stored.erase("status");
  return Store(resource, key, std::move(stored), WatchEventType::kAdded);
}

Result<Json> FakeKubeClient::Write(const Resource& resource, Json object, bool status_only) {
  std::string ns = Meta(object, "namespace");
  std::string name = Meta(object, "name");
  RETURN_IF_ERROR(Begin(status_only ? "updatestatus" : "update", resource, ns, name));
  if (name.empty()) return InvalidArgument("update: the object has no metadata.name");
  bool has_status = status_subresources_.count(Collection(resource)) > 0;
  Key key{Collection(resource), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end() || (status_only && !has_status)) return NotFoundError(resource, name);
  const Json& current = it->second;
  std::string rv = Meta(object, "resourceVersion");
  if (!rv.empty() && rv != Meta(current, "resourceVersion")) return ConflictError(resource, name);

  Json updated;
  if (status_only) {
    updated = current;
    if (object.contains("status")) {
      updated["status"] = object["status"];
    } else {
      updated.erase("status");
    }
  } else {
    updated = std::move(object);
    for (const char* key_name : {"uid", "creationTimestamp", "generation", "deletionTimestamp"}) {
      if (current["metadata"].contains(key_name)) {
        updated["metadata"][key_name] = current["metadata"][key_name];
      } else {
        updated["metadata"].erase(key_name);
      }
    }
    if (has_status) {
      if (current.contains("status")) {
        updated["status"] = current["status"];
      } else {
        updated.erase("status");
      }
    }
  }
  return Commit(resource, key, std::move(updated));
}

Result<Json> FakeKubeClient::Update(const Resource& resource, const Json& object) {
  std::lock_guard<std::mutex> lock(mu_);
  return Write(resource, object, /*status_only=*/false);
}

Result<Json> FakeKubeClient::UpdateStatus(const Resource& resource, const Json& object) {
  std::lock_guard<std::mutex> lock(mu_);
  return Write(resource, object, /*status_only=*/true);
}

Result<Json> FakeKubeClient::ApplyPatch(const Resource& resource, const std::string& ns,
                                        const std::string& name, PatchType type, const Json& patch,
                                        bool status_only) {
  RETURN_IF_ERROR(Begin(status_only ? "patchstatus" : "patch", resource, ns, name));
  bool has_status = status_subresources_.count(Collection(resource)) > 0;
  Key key{Collection(resource), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end() || (status_only && !has_status)) return NotFoundError(resource, name);
  const Json current = it->second;
  Json patched = current;
  try {
    if (type == PatchType::kMerge) {
      patched.merge_patch(patch);
    } else {
      patched = current.patch(patch);
    }
  } catch (const nlohmann::json::exception& e) {
    return ApiStatus(
        StatusCode::kInvalidArgument, "Invalid",
        "the server rejected our request due to an error in our request: " + std::string(e.what()));
  }
  std::string rv = Meta(patched, "resourceVersion");
  if (!rv.empty() && rv != Meta(current, "resourceVersion")) return ConflictError(resource, name);

  Json updated = current;
  if (status_only) {
    if (patched.contains("status")) {
      updated["status"] = patched["status"];
    } else {
      updated.erase("status");
    }
  } else {
    updated = patched;
    updated["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
    for (const char* key_name : {"name", "namespace", "uid", "creationTimestamp", "generation"})
      if (current["metadata"].contains(key_name))
        updated["metadata"][key_name] = current["metadata"][key_name];
    if (has_status) {
      if (current.contains("status")) {
        updated["status"] = current["status"];
      } else {
        updated.erase("status");
      }
    }
  }
  return Commit(resource, key, std::move(updated));
}

Result<Json> FakeKubeClient::Patch(const Resource& resource, const std::string& ns,
                                   const std::string& name, PatchType type, const Json& patch) {
  std::lock_guard<std::mutex> lock(mu_);
  return ApplyPatch(resource, ns, name, type, patch, /*status_only=*/false);
}

Result<Json> FakeKubeClient::PatchStatus(const Resource& resource, const std::string& ns,
                                         const std::string& name, PatchType type,
                                         const Json& patch) {
  std::lock_guard<std::mutex> lock(mu_);
  return ApplyPatch(resource, ns, name, type, patch, /*status_only=*/true);
}

Result<Json> FakeKubeClient::Delete(const Resource& resource, const std::string& ns,
                                    const std::string& name, const DeleteOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Begin("delete", resource, ns, name));
  Key key{Collection(resource), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError(resource, name);
  Json current = it->second;
  if (!options.precondition_uid.empty() && options.precondition_uid != Meta(current, "uid"))
    return ApiStatus(StatusCode::kConflict, "Conflict",
                     "Precondition failed: UID in precondition: " + options.precondition_uid +
                         ", UID in object meta: " + Meta(current, "uid"));
  if (!options.precondition_resource_version.empty() &&
      options.precondition_resource_version != Meta(current, "resourceVersion"))
    return ApiStatus(StatusCode::kConflict, "Conflict",
                     "Precondition failed: ResourceVersion in precondition: " +
                         options.precondition_resource_version +
                         ", ResourceVersion in object meta: " + Meta(current, "resourceVersion"));
  if (HasFinalizers(current)) {
    if (current["metadata"].contains("deletionTimestamp")) return current;
    current["metadata"]["deletionTimestamp"] = Rfc3339(std::chrono::system_clock::now());
    current["metadata"]["deletionGracePeriodSeconds"] = 0;
    return Store(resource, key, std::move(current), WatchEventType::kModified);
  }
  Erase(key, current);
  return Json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", Json::object()},
              {"status", "Success"},
              {"details",
               {{"name", name},
                {"group", resource.group},
                {"kind", resource.plural},
                {"uid", Meta(current, "uid")}}}};
}

Status FakeKubeClient::Watch(const Resource& resource, const std::string& ns,
                             const WatchOptions& options, std::stop_token stop,
                             const WatchHandler& handler) {
  std::unique_lock<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Begin("watch", resource, ns, ""));
  ASSIGN_OR_RETURN(Selector selector,
                   Selector::Parse(options.label_selector, options.field_selector));
  const std::string collection = Collection(resource);
  auto matches = [&](const Json& object) {
    return !object.is_null() && (ns.empty() || Meta(object, "namespace") == ns) &&
           selector.Matches(object);
  };
  // The handler runs without the lock, so it may call back into this client.
  auto deliver = [&](const WatchEvent& event) {
    lock.unlock();
    bool more = handler(event);
    lock.lock();
    return more;
  };

  const uint64_t epoch = close_epoch_;
  size_t next = history_.size();
  const std::string& from_text = options.resource_version;
  if (from_text.empty() || from_text == "0") {
    std::vector<Json> current;
    for (const auto& [key, object] : objects_)
      if (std::get<0>(key) == collection && matches(object)) current.push_back(object);
    for (auto& object : current)
      if (!deliver({WatchEventType::kAdded, std::move(object), Status::Ok()})) return Status::Ok();
  } else {
    uint64_t from = 0;
    try {
      from = std::stoull(from_text);
    } catch (...) {
      return InvalidArgument("invalid resourceVersion \"" + from_text + "\"");
    }
    if (from < compacted_before_) {
      Json gone = {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", Json::object()},
                   {"status", "Failure"},
                   {"message", "too old resource version: " + from_text + " (" +
                                   std::to_string(compacted_before_) + ")"},
                   {"reason", "Expired"},
                   {"code", 410}};
      Status st = ApiStatus(StatusCode::kFailedPrecondition, "Gone", gone["message"]);
      deliver({WatchEventType::kError, gone, st});
      return st;
    }
    next = 0;
    while (next < history_.size() && history_[next].resource_version <= from) ++next;
  }

  for (;;) {
    while (next < history_.size()) {
      Change change = history_[next++];
      if (change.collection != collection) continue;
      bool before = matches(change.before);
      bool after = change.type != WatchEventType::kDeleted && matches(change.object);
      WatchEventType type;
      if (change.type == WatchEventType::kDeleted) {
        if (!before) continue;
        type = WatchEventType::kDeleted;
      } else if (before && after) {
        type = WatchEventType::kModified;
      } else if (after) {
        type = WatchEventType::kAdded;  // started to match the selectors
      } else if (before) {
        type = WatchEventType::kDeleted;  // stopped matching them
      } else {
        continue;
      }
      if (!deliver({type, std::move(change.object), Status::Ok()})) return Status::Ok();
    }
    changed_.wait(lock, stop, [&] { return next < history_.size() || close_epoch_ != epoch; });
    if (stop.stop_requested()) return Status(StatusCode::kAborted, "watch stopped");
    if (close_epoch_ != epoch && next >= history_.size()) return Status::Ok();
  }
}

}  // namespace pgferry::kube
