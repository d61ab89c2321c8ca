// MigrationMetrics: pgferry's domain series on /metrics, next to controller-runtime's:
//   pgferry_database_status{namespace,migration,database,status}   1 for the current status of
//       the database, 0 for the other four (pending|running|syncing|done|failed)
//   pgferry_replication_lag_bytes{namespace,migration,database}
//   pgferry_rows_copied{namespace,migration,database}               rows copied so far
//   pgferry_replication_slot_retained_wal_bytes{namespace,migration,database,slot}
//   pgferry_verification_mismatched_tables{namespace,migration,database,mode}
// The verification series is the number of tables spec.verify found different the last time it
// compared the database (0 when they all matched); absent before any comparison.
// The slot series is the database's status.walRetainedBytes (current WAL position minus the
// slot's restart_lsn, measured at each sync poll); it is exported only while the database is
// replicating and has a recorded slot.
//
// Ownership: the Registry must outlive this object. Thread-safe.
#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "reconcilers/api/migration.h"

namespace pgferry::controller {

class MigrationMetrics {
 public:
  explicit MigrationMetrics(prometheus::Registry& registry);

  // Makes the PgMigration's series those of `status` (series of dropped databases go away).
  void Update(const std::string& ns, const std::string& name, const api::MigrationStatus& status);
  // Removes every series of the PgMigration (it was deleted).
  void Remove(const std::string& ns, const std::string& name);

 private:
  using Labels = std::map<std::string, std::string>;
  using Series = std::set<std::pair<prometheus::Family<prometheus::Gauge>*, Labels>>;

  void Set(Series* series, prometheus::Family<prometheus::Gauge>& family, const Labels& labels,
           double value);

  prometheus::Family<prometheus::Gauge>& database_status_;
  prometheus::Family<prometheus::Gauge>& lag_bytes_;
  prometheus::Family<prometheus::Gauge>& rows_copied_;
  prometheus::Family<prometheus::Gauge>& slot_retained_wal_;
  prometheus::Family<prometheus::Gauge>& verification_mismatches_;
  std::mutex mu_;
  std::map<std::string, Series> series_;  // "namespace/name" -> series it exports
};

}  // namespace pgferry::controller
