#include "operator/controller/finalizer.h"

#include <algorithm>
#include <functional>

namespace pgferry::controller {
namespace {

using Json = nlohmann::json;

// Applies `change` (true when it changed the object) and PUTs; once more after a conflict.
Result<Json> Edit(kube::KubeClient& client, const Json& object,
                  const std::function<bool(Json&)>& change) {
  const kube::Resource pgm = kube::PgMigrationsResource();
  Json current = object;
  for (int attempt = 0;; ++attempt) {
    Json next = current;
    if (!change(next)) return current;
    next.erase("status");  // the main resource ignores it; do not send it
    auto r = client.Update(pgm, next);
    if (r.ok() || r.status().code() != StatusCode::kConflict || attempt >= 2) return r;
    auto fresh = client.Get(pgm, object["metadata"].value("namespace", ""),
                            object["metadata"].value("name", ""));
    if (!fresh.ok()) return fresh.status();
    current = std::move(*fresh);
  }
}

}  // namespace

bool HasFinalizer(const Json& object, const std::string& finalizer) {
  const Json& meta = object.value("metadata", Json::object());
  if (!meta.contains("finalizers") || !meta["finalizers"].is_array()) return false;
  for (const auto& f : meta["finalizers"])
    if (f.is_string() && f.get<std::string>() == finalizer) return true;
  return false;
}

Result<Json> AddFinalizer(kube::KubeClient& client, const Json& object,
                          const std::string& finalizer) {
  return Edit(client, object, [&](Json& o) {
    if (HasFinalizer(o, finalizer)) return false;
    Json& list = o["metadata"]["finalizers"];
    if (!list.is_array()) list = Json::array();
    list.push_back(finalizer);
    return true;
  });
}

Result<Json> RemoveFinalizer(kube::KubeClient& client, const Json& object,
                             const std::string& finalizer) {
  return Edit(client, object, [&](Json& o) {
    if (!HasFinalizer(o, finalizer)) return false;
    Json& list = o["metadata"]["finalizers"];
    Json kept = Json::array();
    for (const auto& f : list)
      if (!(f.is_string() && f.get<std::string>() == finalizer)) kept.push_back(f);
    list = kept;
    return true;
  });
}

}  // namespace pgferry::controller
