// Builds the connection parameters of both servers from a loaded manifest: the ServerSpec plus
// the credentials from its Secrets. A CA certificate given through sslRootCertSecretRef is
// written to a private temporary file (libpq wants a path) that lives as long as the process
// and is removed when it exits.
#pragma once

#include <optional>

#include "operator/cli/command_line.h"
#include "operator/manifest/manifest.h"
#include "reconcilers/preflight.h"
#include "reconcilers/probe.h"

namespace pgferry::cli {

Result<Endpoints> EndpointsFromManifest(const manifest::Manifest& m);

// A manifest read from a command line's files, with both servers' connection parameters and
// the migration's short id (replication object names).
struct Loaded {
  manifest::Manifest manifest;
  Endpoints endpoints;
  std::string migration_id;
};

// Loads cl.files; on an error prints "pgferry <cmd>: <message>" to stderr and returns
// kExitUsage (kExitOk otherwise).
int Load(const char* cmd, const CommandLine& cl, Loaded* out);

// Probes both servers for a read-only command (check, verify). When that fails it prints why,
// as JSON ({"ok": false, "errors": [...]}) or as "error: ..." then "<cmd> failed: cannot
// connect", and returns nothing (the command exits kExitValidation).
std::optional<PreflightInput> ProbeOrReport(const char* cmd, pg::Connector& connector, const Loaded& l, bool json);

}  // namespace pgferry::cli
