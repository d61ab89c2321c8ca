// Builds the connection parameters of both servers from a loaded manifest: the ServerSpec plus
// the credentials from its Secrets. A CA certificate given through sslRootCertSecretRef is
// written to a private temporary file (libpq wants a path) that lives as long as the process.
#pragma once

#include "operator/manifest/manifest.h"
#include "reconcilers/probe.h"

namespace pgferry::cli {

Result<Endpoints> EndpointsFromManifest(const manifest::Manifest& m);

}  // namespace pgferry::cli
