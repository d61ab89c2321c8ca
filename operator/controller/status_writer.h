// Writing a PgMigration's status: one PUT to the status subresource, only when the status differs
// from what the server holds (compared as the JSON StatusToJson produces), retried with the
// freshly read object on 409 Conflict. Status is pgferry's alone, so a retry simply puts the
// same status on the newer object.
//
// KeepTransitionTimes and MergeRoles carry what an earlier write said into a new engine
// snapshot. KeepTransitionTimes keeps a condition's lastTransitionTime when its status did not
// change between what was written before and the new status: an engine re-run passes through
// Validating and would otherwise move every timestamp.
//
// Stateless functions; thread-safe as far as the KubeClient is.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/common/status.h"
#include "operator/kube/kube_client.h"
#include "reconcilers/api/migration.h"

namespace pgferry::controller {

// The status the object carries (an empty MigrationStatus when it has none or it is unreadable).
api::MigrationStatus StatusOf(const nlohmann::json& object);

// True when a write happened. `*written`, when given, receives the object as stored.
Result<bool> WriteStatusIfChanged(kube::KubeClient& client, const nlohmann::json& object,
                                  const api::MigrationStatus& status,
                                  nlohmann::json* written = nullptr);

void KeepTransitionTimes(const api::MigrationStatus& before, api::MigrationStatus* after);

// The roles of `after` once more from a run seeded without roles (the engine appends one entry per
// role and run): one entry per role name, keeping "created" from an earlier run over the
// "exists" a later run sees, and roles only `before` lists.
void MergeRoles(const api::MigrationStatus& before, api::MigrationStatus* after);

}  // namespace pgferry::controller
