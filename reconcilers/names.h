// Names of the objects pgferry creates: `pgferry_<short id>_<database hash>`, at most 63
// bytes of [a-z0-9_], the same on every run of the same PgMigration so that a rerun or an
// operator restart finds (and never duplicates) what an earlier run made. Pure functions.
#pragma once

#include <string>

namespace pgferry {

// 8 hex digits identifying one PgMigration (from its uid, or namespace/name for the CLI).
std::string MigrationShortId(const std::string& seed);

// Publication, slot and subscription share this one name.
std::string ReplicationObjectName(const std::string& short_id, const std::string& dbname);

// The prefix every object of one migration starts with: "pgferry_<short id>_".
std::string ReplicationObjectPrefix(const std::string& short_id);

}  // namespace pgferry
