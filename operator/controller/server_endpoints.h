// Connection parameters of both servers of a PgMigration, from its spec and the Secrets of its
// namespace (manifest::ResolveCredentials), as the operator resolves them before each job.
//
// A CA certificate from sslRootCertSecretRef is written to a private file of this process
// (libpq wants a path), named after the migration id and the side, rewritten on each call, in a
// folder of its own under TMPDIR (pgferry-operator-ca.XXXXXX). RemoveCaFiles removes a gone
// migration's files; RemoveCaFolder the folder, at exit.
// Errors name the field and the Secret (`spec.source.credentialsSecretRef: Secret "src" not
// found`), never a value. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "operator/common/status.h"
#include "reconcilers/api/migration.h"
#include "reconcilers/probe.h"

namespace pgferry::controller {

struct ResolvedEndpoints {
  Endpoints endpoints;
  // Changes when any host, port, user, password or CA changes; never reveals them.
  std::string credentials_hash;
};

Result<ResolvedEndpoints> ResolveEndpoints(const api::MigrationSpec& spec,
                                           const std::vector<api::Secret>& secrets,
                                           const std::string& ns, const std::string& migration_id);

// The CA files ResolveEndpoints wrote for `endpoints` (their sslrootcert paths), removed.
void RemoveCaFiles(const ResolvedEndpoints& endpoints);

// This process's CA folder and what is left in it, removed; the next ResolveEndpoints with a CA
// makes a new one.
void RemoveCaFolder();

}  // namespace pgferry::controller
