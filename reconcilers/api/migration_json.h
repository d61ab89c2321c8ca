// JSON form of the PgMigration API: decoding user manifests and API-server objects into the types
// of migration.h, and encoding spec and status back.
//
// Decoding a spec is strict: wrong types, unknown fields and invalid values are kInvalidArgument
// errors naming the field (`spec.source.port: must be 1..65535`); every problem found is reported,
// joined by "; ", in document order. Defaults are those of migration.h. Decoding a status or
// metadata (written by pgferry or the API server) checks types but ignores unknown fields.
// StatusFromJson(StatusToJson(s)) == s. Pure functions: thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/common/status.h"
#include "reconcilers/api/json_reader.h"
#include "reconcilers/api/migration.h"

namespace pgferry::api {

// `spec` is the value of the `spec` field; error paths start with "spec.".
Result<MigrationSpec> SpecFromJson(const nlohmann::json& spec);
nlohmann::json SpecToJson(const MigrationSpec& spec);

// `status` is the value of the `status` field; error paths start with "status.".
Result<MigrationStatus> StatusFromJson(const nlohmann::json& status);
// camelCase keys as in DESIGN.md; `error: null` when unset; empty timestamps, replication
// objects, warnings and sequence lists are left out.
nlohmann::json StatusToJson(const MigrationStatus& status);

// A whole object: apiVersion (must be pgferry.io/v1alpha1), kind (PgMigration), metadata (name
// required, namespace defaults to "default"), spec (required), status (optional).
Result<PgMigration> PgMigrationFromJson(const nlohmann::json& object);
nlohmann::json PgMigrationToJson(const PgMigration& migration);

nlohmann::json ObjectMetaToJson(const ObjectMeta& metadata);

// Building blocks for decoders of enclosing documents: read into `*out`, appending errors to the
// reader's list.
void ReadSpec(JsonReader& spec, MigrationSpec* out);
void ReadStatus(JsonReader& status, MigrationStatus* out);
// metadata.name is required; fields other than those of ObjectMeta are ignored.
void ReadObjectMeta(JsonReader& metadata, ObjectMeta* out);

}  // namespace pgferry::api
