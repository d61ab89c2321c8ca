// What the copy workers need to know about each table, read for many tables at once: the
// copyable columns and the indexes on the source (under the copy's snapshot), the index and
// constraint names already on the destination. One query each for any number of tables (the
// workers ask for 500 at a time as they reach them), where they used to ask per table (three
// round trips a table; seconds for 10,000 tables).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/session.h"
#include "reconcilers/inventory.h"

namespace pgferry {

struct TableCopyPlan {
  std::vector<std::string> columns;  // copyable columns, in column order
  bool binary = true;                // every column's type is safe in binary COPY (kCopyColumns)
  pg::QueryResult indexes;           // the table's kTableIndexes rows, without the position
};

struct ExistingIndexes {
  std::set<std::string> indexes, constraints;
};

// One entry per table, in the order given. A table the source cannot find gets an empty plan
// (its COPY then fails with the server's "does not exist").
Result<std::vector<TableCopyPlan>> ReadCopyPlans(pg::Session& source, const std::vector<const TableInfo*>& tables);
Result<std::vector<ExistingIndexes>> ReadExistingIndexes(pg::Session& destination,
                                                         const std::vector<const TableInfo*>& tables);

// The two text[] parameters ($1 schemas, $2 names) of the queries that start with
// engine_sql.h kTablesByName.
std::vector<std::optional<std::string>> NameParams(const std::vector<const TableInfo*>& tables);

// A PostgreSQL text[] literal ("{\"a\",\"b\"}") for a query parameter.
std::string TextArrayLiteral(const std::vector<std::string>& values);

// Splits rows whose first column is a 1-based position into `n` results without that column.
std::vector<pg::QueryResult> SplitByPosition(const pg::QueryResult& rows, size_t n);

}  // namespace pgferry
