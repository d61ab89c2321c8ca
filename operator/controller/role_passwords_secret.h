// The Secret `<migration>-role-passwords`: generated placeholder passwords of the login roles
// pgferry created on the destination, one key per role. It lives in the PgMigration's namespace
// with an ownerReference to it (garbage-collected with it). Created when missing; otherwise new
// keys are merged in with a conditional update (kept keys are never removed). Passwords are
// never part of a returned error.
//
// Stateless function; thread-safe as far as the KubeClient is.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "operator/common/status.h"
#include "operator/kube/kube_client.h"
#include "reconcilers/migration_engine.h"

namespace pgferry::controller {

std::string RolePasswordsSecretName(const std::string& migration_name);

// `owner` is the PgMigration object (apiVersion, kind, metadata.name/namespace/uid).
Status StoreRolePasswords(kube::KubeClient& client, const nlohmann::json& owner,
                          const std::vector<GeneratedPassword>& passwords);

}  // namespace pgferry::controller
