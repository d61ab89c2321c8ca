#include "operator/controller/status_writer.h"

#include "reconcilers/api/migration_json.h"

namespace pgferry::controller {

api::MigrationStatus StatusOf(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("status") || !object["status"].is_object()) return {};
  auto s = api::StatusFromJson(object["status"]);
  return s.ok() ? *s : api::MigrationStatus{};
}

Result<bool> WriteStatusIfChanged(kube::KubeClient& client, const nlohmann::json& object,
                                  const api::MigrationStatus& status, nlohmann::json* written) {
  const nlohmann::json wanted = api::StatusToJson(status);
  nlohmann::json current = object;
  const kube::Resource pgm = kube::PgMigrationsResource();
  for (int attempt = 0;; ++attempt) {
    if (api::StatusToJson(StatusOf(current)) == wanted) return false;
    nlohmann::json update = current;
    update["status"] = wanted;
    auto r = client.UpdateStatus(pgm, update);
    if (r.ok()) {
      if (written != nullptr) *written = std::move(*r);
      return true;
    }
    if (r.status().code() == StatusCode::kNotFound) return false;  // deleted meanwhile
    if (r.status().code() != StatusCode::kConflict || attempt >= 3)
      return r.status().Prefixed("writing status");
    auto fresh = client.Get(pgm, object["metadata"].value("namespace", ""),
                            object["metadata"].value("name", ""));
    if (!fresh.ok()) {
      if (fresh.status().code() == StatusCode::kNotFound) return false;
      return fresh.status().Prefixed("reading the object after a conflict");
    }
    current = std::move(*fresh);
  }
}

void KeepTransitionTimes(const api::MigrationStatus& before, api::MigrationStatus* after) {
  for (auto& c : after->conditions)
    for (const auto& b : before.conditions)
      if (b.type == c.type && b.status == c.status && !b.lastTransitionTime.empty())
        c.lastTransitionTime = b.lastTransitionTime;
}

void MergeRoles(const api::MigrationStatus& before, api::MigrationStatus* after) {
  std::vector<api::RoleStatus> merged;
  auto add = [&merged](const api::RoleStatus& r) {
    for (auto& m : merged) {
      if (m.rolname != r.rolname) continue;
      if (!(m.status == "created" && r.status == "exists")) m = r;
      return;
    }
    merged.push_back(r);
  };
  for (const auto& r : before.roles) add(r);
  for (const auto& r : after->roles) add(r);
  after->roles = std::move(merged);
}

}  // namespace pgferry::controller
