#include "tests/fake-apiserver/deletion.h"

#include <algorithm>

#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::fakeapi {
namespace {

std::string Ns(const Json& obj) { return StringField(Field(obj, "metadata"), "namespace"); }
std::string Name(const Json& obj) { return StringField(Field(obj, "metadata"), "name"); }

bool HasFinalizers(const Json& obj) {
  const Json& f = Field(Field(obj, "metadata"), "finalizers");
  return f.is_array() && !f.empty();
}

void Remove(ServerState& state, const ResourceType& type, const Json& stored);

// Namespaces and CRDs keep the "kubernetes" / cleanup finalizer until their contents are gone.
bool ContentsRemain(ServerState& state, const ResourceType& type, const Json& obj) {
  if (type.builtin == "Namespace") {
    for (const std::string& storage : state.store.Storages()) {
      const ResourceType* t = state.registry.StorageType(storage);
      if (t && t->namespaced && !state.store.List(storage, Name(obj)).empty()) return true;
    }
  }
  if (type.builtin == "CustomResourceDefinition") {
    return !state.store.List(Name(obj), "").empty();
  }
  return false;
}

void DeleteContents(ServerState& state, const ResourceType& type, const Json& obj,
                    const std::string& now) {
  std::vector<std::pair<const ResourceType*, Json>> victims;
  if (type.builtin == "Namespace") {
    for (const std::string& storage : state.store.Storages()) {
      const ResourceType* t = state.registry.StorageType(storage);
      if (!t || !t->namespaced) continue;
      for (const Json* o : state.store.List(storage, Name(obj))) victims.emplace_back(t, *o);
    }
  } else if (type.builtin == "CustomResourceDefinition") {
    const ResourceType* t = state.registry.StorageType(Name(obj));
    if (t) {
      for (const Json* o : state.store.List(Name(obj), "")) victims.emplace_back(t, *o);
    }
  }
  for (const auto& [t, o] : victims) {
    const Json* still = state.store.Get(t->storage, Ns(o), Name(o));
    if (still) DeleteStored(state, *t, *still, now);
  }
}

// Re-checks a terminating Namespace or CRD once something inside it went away.
void MaybeFinishContainer(ServerState& state, const ResourceType& removed_type, const Json& removed) {
  if (removed_type.namespaced) {
    const ResourceType* ns_type = state.registry.StorageType("namespaces");
    const Json* ns = state.store.Get("namespaces", "", Ns(removed));
    if (ns_type && ns && !Field(ns->at("metadata"), "deletionTimestamp").is_null()) {
      FinishDeletionIfReady(state, *ns_type, *ns);
    }
  }
  if (removed_type.custom) {
    const ResourceType* crd_type = state.registry.StorageType("customresourcedefinitions");
    const Json* crd = state.store.Get("customresourcedefinitions", "", removed_type.crd_name);
    if (crd_type && crd && !Field(crd->at("metadata"), "deletionTimestamp").is_null()) {
      FinishDeletionIfReady(state, *crd_type, *crd);
    }
  }
}

void CollectDependents(ServerState& state, const std::string& uid, const std::string& now) {
  if (uid.empty()) return;
  std::vector<std::pair<const ResourceType*, Json>> dependents;
  for (const std::string& storage : state.store.Storages()) {
    const ResourceType* t = state.registry.StorageType(storage);
    if (!t) continue;
    for (const Json* o : state.store.List(storage, "")) {
      const Json& refs = Field(o->at("metadata"), "ownerReferences");
      if (!refs.is_array()) continue;
      for (const auto& r : refs) {
        if (StringField(r, "uid") == uid) dependents.emplace_back(t, *o);
      }
    }
  }
  for (auto& [t, dep] : dependents) {
    const Json* live = state.store.Get(t->storage, Ns(dep), Name(dep));
    if (!live) continue;
    // Owners that still exist keep the dependent; dangling references are dropped.
    Json updated = *live;
    Json& refs = updated["metadata"]["ownerReferences"];
    Json kept = Json::array();
    for (const auto& r : refs) {
      if (StringField(r, "uid") != uid) kept.push_back(r);
    }
    if (kept.empty()) {
      DeleteStored(state, *t, *live, now);
    } else {
      refs = kept;
      updated["metadata"]["resourceVersion"] = std::to_string(state.store.NextRv());
      state.store.Put(t->storage, Ns(updated), Name(updated), updated);
    }
  }
}

void Remove(ServerState& state, const ResourceType& type, const Json& stored) {
  Json last = stored;
  last["metadata"]["resourceVersion"] = std::to_string(state.store.NextRv());
  state.store.Remove(type.storage, Ns(stored), Name(stored), last);
  if (type.builtin == "CustomResourceDefinition") state.registry.SetCrdTypes(Name(stored), {});
  CollectDependents(state, StringField(stored["metadata"], "uid"), NowRfc3339());
  MaybeFinishContainer(state, type, stored);
}

}  // namespace

DeleteResult DeleteStored(ServerState& state, const ResourceType& type, const Json& stored,
                          const std::string& now) {
  bool container = type.builtin == "Namespace" || type.builtin == "CustomResourceDefinition";
  if (container) DeleteContents(state, type, stored, now);
  const Json* live = state.store.Get(type.storage, Ns(stored), Name(stored));
  if (!live) return DeleteResult{true, stored};
  Json obj = *live;
  bool waiting = HasFinalizers(obj) || (container && ContentsRemain(state, type, obj));
  if (!waiting) {
    Remove(state, type, obj);
    return DeleteResult{true, obj};
  }
  if (Field(obj["metadata"], "deletionTimestamp").is_null()) {
    obj["metadata"]["deletionTimestamp"] = now;
    obj["metadata"]["deletionGracePeriodSeconds"] = 0;
    if (type.builtin == "Namespace") obj["status"]["phase"] = "Terminating";
    if (type.builtin == "CustomResourceDefinition") {
      Json& conds = obj["status"]["conditions"];
      if (!conds.is_array()) conds = Json::array();
      conds.push_back({{"type", "Terminating"}, {"status", "True"}, {"reason", "InstanceDeletionInProgress"},
                       {"message", "CustomResource deletion is in progress"}, {"lastTransitionTime", now}});
    }
    obj["metadata"]["resourceVersion"] = std::to_string(state.store.NextRv());
    state.store.Put(type.storage, Ns(obj), Name(obj), obj);
  }
  return DeleteResult{false, obj};
}

bool FinishDeletionIfReady(ServerState& state, const ResourceType& type, const Json& stored) {
  if (Field(Field(stored, "metadata"), "deletionTimestamp").is_null()) return false;
  bool container = type.builtin == "Namespace" || type.builtin == "CustomResourceDefinition";
  if (HasFinalizers(stored) || (container && ContentsRemain(state, type, stored))) return false;
  Remove(state, type, stored);
  return true;
}

}  // namespace pgferry::fakeapi
