// Preflight: the read-only checks of `pgferry check` (and the Validating phase of a migration),
// and the method each database will use. Pure: it works on inventories gathered beforehand
// (inventory.h), so every rule is unit-tested without servers.
//
// Rules follow aiven-db-migrate's validation (same server, downgrade, missing databases,
// languages, extensions, large objects) plus the replication preconditions users trip on
// (wal_level, slots, WAL senders, privileges, workers, tables without replica identity).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reconcilers/api/migration.h"
#include "reconcilers/inventory.h"

namespace pgferry {

// What was learned about one selected database on both servers.
struct DatabaseProbe {
  std::string name;
  std::optional<DatabaseInventory> source;
  Status source_error;  // set when the source database could not be opened
  bool exists_on_destination = false;
  std::optional<DatabaseInventory> destination;
  Status destination_error;
};

struct DatabasePlan {
  std::string dbname;
  std::string method;                 // api::kMethodReplication | kMethodDump | kMethodSchemaOnly
  std::optional<std::string> reason;  // why replication is not used (fallback), for the status
  std::optional<std::string> error;   // the database cannot be migrated
  std::vector<std::string> warnings;
  std::vector<TableInfo> tables;      // selected tables
  bool all_tables = false;            // publication may be FOR ALL TABLES
  bool exists_on_destination = false;
};

struct PreflightReport {
  std::vector<std::string> errors;    // fatal: nothing may be written
  std::vector<std::string> warnings;
  std::vector<DatabasePlan> databases;

  bool ok() const;  // no errors and no failed database
};

struct PreflightInput {
  const api::MigrationSpec* spec = nullptr;
  std::string source_endpoint;       // host:port as configured
  std::string destination_endpoint;
  ServerInventory source;
  ServerInventory destination;
  std::vector<std::string> notes;    // from SelectDatabases
  std::vector<DatabaseProbe> databases;
};

PreflightReport RunPreflight(const PreflightInput& in);

// Why logical replication cannot be used for one database; empty when it can. `slot_index` is
// the database's position among those wanting replication (slots and senders are shared).
std::vector<std::string> ReplicationBlockers(const PreflightInput& in, const DatabaseProbe& db,
                                             const std::vector<TableInfo>& tables, bool all_tables,
                                             int slot_index);

}  // namespace pgferry
