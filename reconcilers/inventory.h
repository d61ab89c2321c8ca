// What pgferry knows about a server and its databases before it acts: versions, settings,
// privileges, databases, extensions, tables. Inspect* functions only read catalogs (they never
// write), through pg::Session; the plain structs are what the pure planning code (preflight.h)
// works on, so checks are unit-tested without servers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/session.h"

namespace pgferry {

struct DatabaseEntry {
  std::string name;
  bool allow_connections = true;
  bool is_template = false;
};

struct AvailableExtension {
  std::string name;
  std::string default_version;
  bool superuser = true;  // installing it needs a superuser...
  bool trusted = false;   // ...unless it is trusted (PG13+)
};

struct ServerInventory {
  int version_num = 0;          // e.g. 150018
  std::string version;          // server_version, e.g. "15.18 (Debian ...)"
  std::string wal_level;
  int max_replication_slots = 0;
  int used_replication_slots = 0;
  int max_wal_senders = 0;
  int used_wal_senders = 0;
  int max_logical_replication_workers = 0;
  int used_logical_replication_workers = 0;
  std::string user;
  bool is_superuser = false;
  bool can_replicate = false;   // REPLICATION attribute (or superuser)
  bool can_create_db = false;
  bool can_create_role = false;
  bool can_create_subscription = false;  // superuser, or pg_create_subscription (PG16+)
  std::vector<std::string> extension_allowlist;  // extwlist.extensions when pgextwlist is loaded
  std::string identity;  // postmaster start time + port: equal on both ends = same server
  std::vector<std::string> languages;
  std::vector<DatabaseEntry> databases;
  std::vector<AvailableExtension> available_extensions;

  // Major version as a comparable number: 1500 for 150018, 906 for 90624 (before 10 the major
  // version had two parts), and as people write it: "15", "9.6".
  int major() const { return version_num >= 100000 ? version_num / 10000 * 100 : version_num / 100; }
  std::string major_name() const {
    return version_num >= 100000 ? std::to_string(version_num / 10000)
                                 : std::to_string(version_num / 10000) + "." + std::to_string(version_num / 100 % 100);
  }
  const AvailableExtension* FindAvailable(const std::string& name) const;
  bool HasDatabase(const std::string& name) const;
};

struct InstalledExtension {
  std::string name;
  std::string version;
  std::string schema;
};

struct TableInfo {
  std::string schema;
  std::string name;
  char kind = 'r';               // 'r' ordinary, 'p' partitioned
  bool is_partition = false;     // a partition of a partitioned table
  bool has_replica_identity = true;  // primary key, REPLICA IDENTITY FULL or USING INDEX
  std::string extension;         // owning extension when it is an extension config table
  int64_t bytes = 0;             // pg_table_size, for ordering copies
  int64_t estimated_rows = 0;
  bool owned_by_user = false;    // the connected role owns it (or is a member of the owner)
  std::string parent_schema;     // a partition's direct parent (partitioned table), else ""
  std::string parent_name;
  bool row_security_applies = false;  // RLS policies filter what the connected role reads
  // UNLOGGED: writes no WAL, so no publication can carry its changes; a replicated database
  // copies it at the start and again at cutover.
  bool unlogged = false;
  bool readable = true;  // SELECT for the connected role (pg_dump's LOCK TABLE and COPY need it)
  std::string Qualified() const { return schema + "." + name; }
};

// A foreign key as pg_dump writes it (on the table it was declared on; not the copies the
// server makes for partitions).
struct ForeignKeyInfo {
  std::string schema, table, name;  // the referencing table and the constraint
  std::string ref_schema, ref_table;
};

struct DatabaseInventory {
  std::string name;
  std::vector<InstalledExtension> extensions;
  std::vector<TableInfo> tables;
  std::vector<ForeignKeyInfo> foreign_keys;
  int64_t large_objects = 0;
  bool has_aiven_extras = false;
  bool can_create = false;  // CREATE on the database (needed for CREATE PUBLICATION)

  const InstalledExtension* FindExtension(const std::string& name) const;
};

// `"schema"."name"` quoted by `s` for use in SQL.
std::string Qualified(pg::Session& s, const TableInfo& t);

Result<ServerInventory> InspectServer(pg::Session& session);
Result<DatabaseInventory> InspectDatabase(pg::Session& session);

// Compares extension versions the way users read them: numeric parts numerically ("1.10" >
// "1.9"), other parts as text. Returns <0, 0, >0.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace pgferry
