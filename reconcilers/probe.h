// Probe: connects to both servers and every selected database and gathers the inventories
// RunPreflight needs. Read-only. A database that cannot be opened is recorded on that database
// (the others go on); a bootstrap connection that fails is returned as the error, prefixed with
// "source" or "destination".
#pragma once

#include "operator/pg/session.h"
#include "reconcilers/preflight.h"

namespace pgferry {

struct Endpoints {
  pg::ConnParams source;       // bootstrap database of the source
  pg::ConnParams destination;  // bootstrap database of the destination
};

Result<PreflightInput> Probe(pg::Connector& connector, const api::MigrationSpec& spec,
                             const Endpoints& endpoints);

}  // namespace pgferry
