// Resolving a ServerSpec's Secret references into the user, password and CA certificate used to
// connect. The password is never part of an error message. Pure function: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/conn_params.h"
#include "reconcilers/api/migration.h"

namespace pgferry::manifest {

struct ServerCredentials {
  std::string user;
  std::string password;
  std::string sslRootCert;  // PEM text; empty when the server has no sslRootCertSecretRef
};

// `field` names the server in errors ("spec.source"). Secrets are matched by name, and by
// namespace when `namespace_` is not empty. Errors are kNotFound, e.g.
// `spec.source.credentialsSecretRef: Secret "src-pg" not found` or
// `spec.source.credentialsSecretRef: Secret "src-pg" has no key "password"`.
Result<ServerCredentials> ResolveCredentials(const api::ServerSpec& server,
                                             const std::vector<api::Secret>& secrets,
                                             const std::string& field,
                                             const std::string& namespace_ = "");

// The connection parameters for `server` with resolved credentials. sslrootcert stays empty:
// the CA text (creds.sslRootCert) must first be written to a file, where each caller decides.
pg::ConnParams ConnParamsFor(const api::ServerSpec& server, const ServerCredentials& creds);

}  // namespace pgferry::manifest
