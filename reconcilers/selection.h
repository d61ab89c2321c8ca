// Which databases and tables a migration covers: pure functions over the inventory and the
// spec. Filtering happens here, in code, never by splicing user text into SQL.
#pragma once

#include <string>
#include <vector>

#include "reconcilers/api/migration.h"
#include "reconcilers/inventory.h"

namespace pgferry {

struct DatabaseSelection {
  std::vector<std::string> selected;  // in the source's order
  std::vector<std::string> notes;     // databases skipped and why (e.g. datallowconn=false)
};

// Source databases minus templates, minus those that allow no connections, minus
// spec.databases.exclude; only spec.databases.include when it is not empty.
DatabaseSelection SelectDatabases(const api::MigrationSpec& spec, const ServerInventory& source);

// The tables of `db` to copy/publish: spec.tables include/exclude (already validated), and
// extension configuration tables only when replicateExtensionTables. Naming a partitioned
// table names its partitions too. Partitions are dropped when a partitioned table above them is
// kept: it carries their rows (publish_via_partition_root). A partitioned table with a partition
// left out (excluded, or not included) is replaced by the partitions that are selected, so a
// partition named alone is copied and published on its own.
std::vector<TableInfo> SelectTables(const api::MigrationSpec& spec, const std::string& db,
                                    const std::vector<TableInfo>& tables);

// True when SelectTables keeps every table, so FOR ALL TABLES may be used.
bool SelectsAllTables(const api::MigrationSpec& spec);

}  // namespace pgferry
