#include "operator/controller/migration_metrics.h"

namespace pgferry::controller {

MigrationMetrics::MigrationMetrics(prometheus::Registry& registry)
    : database_status_(prometheus::BuildGauge()
                           .Name("pgferry_database_status")
                           .Help("1 for the current status of each database of a PgMigration")
                           .Register(registry)),
      lag_bytes_(prometheus::BuildGauge()
                     .Name("pgferry_replication_lag_bytes")
                     .Help("Replication lag of a replicated database, in bytes")
                     .Register(registry)),
      rows_copied_(prometheus::BuildGauge()
                       .Name("pgferry_rows_copied")
                       .Help("Rows copied so far into a database of a PgMigration")
                       .Register(registry)),
      slot_retained_wal_(prometheus::BuildGauge()
                             .Name("pgferry_replication_slot_retained_wal_bytes")
                             .Help("WAL retained on the source by a migration's replication slot "
                                   "(approximated by the database's replication lag)")
                             .Register(registry)),
      verification_mismatches_(prometheus::BuildGauge()
                                   .Name("pgferry_verification_mismatched_tables")
                                   .Help("Tables spec.verify found different between source and destination "
                                         "the last time it compared the database (0: all matched)")
                                   .Register(registry)) {}

void MigrationMetrics::Set(Series* series, prometheus::Family<prometheus::Gauge>& family,
                           const Labels& labels, double value) {
  family.Add(labels).Set(value);
  series->insert({&family, labels});
}

void MigrationMetrics::Update(const std::string& ns, const std::string& name,
                              const api::MigrationStatus& status) {
  Series now;
  for (const auto& d : status.databases) {
    Labels base = {{"namespace", ns}, {"migration", name}, {"database", d.dbname}};
    for (const char* s :
         {api::kDbPending, api::kDbRunning, api::kDbSyncing, api::kDbDone, api::kDbFailed}) {
      Labels l = base;
      l["status"] = s;
      Set(&now, database_status_, l, d.status == s ? 1 : 0);
    }
    Set(&now, rows_copied_, base, static_cast<double>(d.rowsCopied));
    if (d.verification) {
      Labels l = base;
      l["mode"] = d.verification->mode;
      Set(&now, verification_mismatches_, l, static_cast<double>(d.verification->differing));
    }
    if (d.method == api::kMethodReplication) {
      Set(&now, lag_bytes_, base, static_cast<double>(d.lagBytes));
      bool replicating = d.status == api::kDbSyncing || d.status == api::kDbRunning;
      if (replicating && !d.replicationObjects.slot.empty()) {
        Labels l = base;
        l["slot"] = d.replicationObjects.slot;
        Set(&now, slot_retained_wal_, l, static_cast<double>(d.walRetainedBytes));
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  Series& before = series_[ns + "/" + name];
  for (const auto& [family, labels] : before)
    if (now.count({family, labels}) == 0) family->Remove(&family->Add(labels));
  before = std::move(now);
}

void MigrationMetrics::Remove(const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(ns + "/" + name);
  if (it == series_.end()) return;
  for (const auto& [family, labels] : it->second) family->Remove(&family->Add(labels));
  series_.erase(it);
}

}  // namespace pgferry::controller
