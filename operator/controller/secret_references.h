// Which Secrets a PgMigration reads, and which PgMigrations a Secret change concerns: the
// mapping that makes a rotated password (or a Secret created after its PgMigration) trigger a
// reconcile. Pure functions on API objects; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "reconcilers/api/migration.h"

namespace pgferry::controller {

// Names of the Secrets (in the PgMigration's namespace) that `spec` references.
std::set<std::string> ReferencedSecretNames(const api::MigrationSpec& spec);
// The same from a raw PgMigration object (lenient: an unreadable spec references nothing).
std::set<std::string> ReferencedSecretNames(const nlohmann::json& pgmigration);

// Keys ("namespace/name") of the PgMigrations in `pgmigrations` that reference `secret`.
std::vector<std::string> MigrationsReferencingSecret(
    const nlohmann::json& secret, const std::vector<nlohmann::json>& pgmigrations);

// A core v1 Secret as the API server sends it (list items lack apiVersion and kind) decoded into
// api::Secret. Errors never contain a value from the Secret.
Result<api::Secret> SecretFromApiObject(const nlohmann::json& secret);

}  // namespace pgferry::controller
