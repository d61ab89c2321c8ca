// Loading what a user would `kubectl apply`: YAML files holding one PgMigration and the Secrets
// it references, for the command-line runner (`pgferry migrate -f FILE...`).
//
// Documents are read across all files in order. Exactly one `pgferry.io/v1alpha1 PgMigration`
// is required; any number of `v1 Secret`s may accompany it; any other kind is an error. Documents
// without a namespace take the PgMigration's (like `kubectl apply -n NS`), and a Secret in another
// namespace than the PgMigration's is an error. Every error is kInvalidArgument and starts with
// where it was found: `FILE: No such file or directory`, `FILE:line 7: illegal map value`,
// `FILE:line 9: spec.source.port: must be 1..65535`. Secret values never appear in messages.
// Pure functions over their inputs (they read the named files): thread-safe.
#pragma once

#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/manifest/credentials.h"
#include "reconcilers/api/migration.h"

namespace pgferry::manifest {

struct Manifest {
  api::PgMigration migration;
  std::vector<api::Secret> secrets;
};

// `paths` are read in order; "-" reads standard input.
Result<Manifest> LoadFiles(const std::vector<std::string>& paths);

// `origin` names the text in errors, like a file name.
Result<Manifest> LoadString(const std::string& yaml, const std::string& origin);

}  // namespace pgferry::manifest
