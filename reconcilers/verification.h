// spec.verify: compares every table's rows on the source and on the destination, so that a
// database is called done only once nothing is seen missing or changed.
//
// counts: count(*) per table. checksums: also the sum over the table's rows of a 64-bit hash of
// the row's text form (its columns by name in the source's order, with the same DateStyle,
// IntervalStyle, TimeZone, extra_float_digits, bytea_output and lc_monetary on both servers,
// engine_sql.h kVerifySettings): hashtextextended when both servers give the same hash for a
// probe string (same encoding, same byte order, PostgreSQL 11+), else the first 64 bits of md5
// of the text as UTF-8 (about 3.5 times the CPU). A sum does not depend on the rows' order, so it
// compares the tables as multisets of rows; a row lost, added, duplicated or changed in any
// column changes it (short of a 64-bit collision).
//
// The source is read under a snapshot the caller exported and holds (the copy's, or one taken at
// cutover once the subscription confirmed its position); the destination under one snapshot this
// takes. `jobs` workers each run a table's source and destination query at the same time; small
// tables go several to a query (UNION ALL). The cost is one full read of each table on each
// server, plus md5 per row for checksums. Thread-safe: its own sessions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/session.h"
#include "reconcilers/inventory.h"

namespace pgferry {

struct VerifyOptions {
  bool checksums = false;  // counts only when false
  pg::Connector* connector = nullptr;
  pg::ConnParams source, destination;
  std::string source_snapshot;  // pg_export_snapshot() of a transaction the caller holds open;
                                // "": one taken when the comparison starts
  size_t jobs = 1;
  std::function<bool()> stop_requested;  // checked between queries; running ones are cancelled
};

struct VerifyOutcome {
  int64_t tables = 0;  // compared
  int64_t rows = 0;    // on the source, over those tables
  // "schema.table: how it differs", in the order of the tables given.
  std::vector<std::string> mismatches;
  std::string row_hash;  // "hashtextextended", "md5", or "" for counts
};

// Compares `tables` as the copy reads them: an ordinary table FROM ONLY (an inheritance parent
// counts its own rows), a partitioned table with its partitions. A table that cannot be read on
// either side is a mismatch naming the server's message. An error only when the comparison could not run (a connection, the
// snapshot); kAborted when stopped.
Result<VerifyOutcome> VerifyTables(const VerifyOptions& options, const std::vector<const TableInfo*>& tables);

}  // namespace pgferry
