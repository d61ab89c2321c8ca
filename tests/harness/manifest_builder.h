// Builds PgMigration manifests (a PgMigration plus its two Secrets, as a user would write them)
// for tests that drive the pgferry binary. Plain values.
#pragma once

#include <string>

#include "tests/harness/pg_cluster.h"

namespace pgferry::testing {

struct ServerRef {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user = PgCluster::kUser;
  std::string password = PgCluster::kUserPassword;
  std::string dbname = "postgres";
  int connect_timeout = 5;

  static ServerRef Of(const PgCluster& c, bool superuser = false) {
    ServerRef r;
    r.port = c.port();
    if (superuser) {
      r.user = PgCluster::kSuperuser;
      r.password = PgCluster::kSuperPassword;
    }
    return r;
  }
};

struct ManifestOptions {
  std::string name = "m1";
  ServerRef source;
  ServerRef destination;
  // YAML lines placed under `spec:` (indent them by two spaces), e.g. "  method: dump\n".
  std::string extra_spec;
};

std::string BuildManifest(const ManifestOptions& o);

}  // namespace pgferry::testing
