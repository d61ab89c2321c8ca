// Index builds right after a table's copy: the data path's "build each table's indexes the
// moment its data lands" (issue 6), instead of every index in one serial post-data restore.
//
// For an ordinary table that is neither a partition nor part of an inheritance tree, the copy
// worker takes the table's indexes on the source (kTableIndexes, read for all tables at once by
// table_catalog.h), builds plain indexes with
// pg_get_indexdef's text and PRIMARY KEY / UNIQUE constraints as CREATE UNIQUE INDEX followed by
// ALTER TABLE ... ADD CONSTRAINT ... USING INDEX, then ANALYZEs the table, all in one
// transaction on the destination that also records the source catalog ids of what it built
// (state key "indexes:<schema>.<table>"). The post-data restore then leaves those TOC entries
// out (PostDataSkipList). Small tables are built several to a transaction from
// PlanTableIndexWork's statements (DatabaseMigration::CopyBatch). Exclusion constraints, partitioned tables, partitions, inheritance and
// indexes with extra pg_dump clauses stay with pg_restore. Stateless; thread-safe as long as
// each thread uses its own sessions.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/session.h"
#include "reconcilers/inventory.h"
#include "reconcilers/table_catalog.h"

namespace pgferry {

// One index to build, with the catalog ids pg_dump's TOC gives it on the source.
struct IndexBuild {
  std::string name;            // index name (= constraint name for constraint indexes)
  std::string index_oid;       // TOC "1259 <oid>" (INDEX entry) when it is a plain index
  std::string constraint_oid;  // TOC "2606 <oid>" (CONSTRAINT entry), "" for a plain index
  std::string create_sql;      // CREATE [UNIQUE] INDEX name ON schema.table ...
  std::string constraint_sql;  // ALTER TABLE ONLY ... ADD CONSTRAINT ... USING INDEX ..., or ""

  // "1259:<oid>" or "2606:<oid>": the TOC entry this build replaces.
  std::string CatalogId() const;
};

// State key of a table's index build.
std::string IndexStateKey(const TableInfo& t);

// Turns kTableIndexes rows into builds; rows it cannot do safely are left out (post-data).
// `qualified_table` is the destination's quoted schema.table, `quote` escapes an identifier.
std::vector<IndexBuild> PlanIndexBuilds(const pg::QueryResult& rows, const std::string& qualified_table,
                                        const std::function<std::string(const std::string&)>& quote);

struct TableIndexResult {
  std::string state_value;  // comma-separated catalog ids built (or found already built)
  bool all_built = true;    // false when some index is left to the post-data restore
};

// The statements that build what a table lacks on the destination, each with a label for
// errors ("index <name>", "constraint <name>"), and what to record once they ran.
struct TableIndexWork {
  std::vector<std::pair<std::string, std::string>> statements;
  TableIndexResult result;
};

// `rows`: the table's kTableIndexes rows; `existing`: its names on the destination (those are
// not built again); `qualified_table`: the destination's quoted schema.table.
TableIndexWork PlanTableIndexWork(const pg::QueryResult& rows, const ExistingIndexes& existing,
                                  const std::string& qualified_table,
                                  const std::function<std::string(const std::string&)>& quote);

// Builds the table's missing indexes on `destination` and ANALYZEs it, one statement at a time
// in one transaction that also writes the state row (unless `migration_id` is empty).
Result<TableIndexResult> BuildTableIndexes(pg::Session& destination, const TableInfo& t,
                                           const pg::QueryResult& rows, const ExistingIndexes& existing,
                                           const std::string& migration_id);

// The catalog ids recorded under every "indexes:" key of a state map, as (classoid, objoid).
std::set<std::pair<uint32_t, uint32_t>> BuiltCatalogIds(const std::vector<std::string>& state_values);

// The source catalog ids of post-data indexes and constraints that exist on the destination
// already (same schema, table, name and kind), found through kPostDataObjects on both sides.
Result<std::set<std::pair<uint32_t, uint32_t>>> PresentOnDestination(pg::Session& source,
                                                                     pg::Session& destination);

// Destination session settings for the copy workers: synchronous_commit off, timeouts off,
// maintenance_work_mem raised to 512MB (never lowered), max_parallel_maintenance_workers.
// Best effort: a setting the server refuses is skipped; returns what was refused, for a warning.
std::vector<std::string> ApplyBulkLoadSettings(pg::Session& destination, int parallel_maintenance_workers);

}  // namespace pgferry
