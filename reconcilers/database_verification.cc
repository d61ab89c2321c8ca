// DatabaseMigration's spec.verify steps (verification.h does the comparing): after a one-time
// copy under the copy's snapshot (DatabaseMigration::Step), and before a cutover drops the
// replication objects (DatabaseMigration::Cutover).
#include <algorithm>
#include <chrono>
#include <thread>

#include "reconcilers/database_migration.h"
#include "reconcilers/engine_sql.h"
#include "reconcilers/verification.h"

namespace pgferry {
namespace {

// How many differences the status keeps, and how many one line (error, event) names.
constexpr size_t kKeptMismatches = 20;
constexpr size_t kNamedMismatches = 3;
// How long a cutover waits for the subscription to confirm the source's position.
constexpr auto kConfirmTimeout = std::chrono::seconds(60);

}  // namespace

Result<std::string> DatabaseMigration::Verify(const std::string& source_snapshot) {
  std::vector<const TableInfo*> tables;
  // Every selected table (the checks refuse a migration with tables the source user cannot read).
  for (const auto& t : plan_.tables) tables.push_back(&t);
  VerifyOptions o;
  o.checksums = e_.spec_.verify == "checksums";
  o.connector = e_.options_.connector;
  o.source = src_params_;
  o.destination = dst_params_;
  o.source_snapshot = source_snapshot;
  o.jobs = static_cast<size_t>(std::max(1, e_.spec_.dump.jobs));
  o.stop_requested = [this] { return e_.StopRequested(); };
  ASSIGN_OR_RETURN(VerifyOutcome got, VerifyTables(o, tables));

  api::Verification v;
  v.mode = e_.spec_.verify;
  v.result = got.mismatches.empty() ? api::kVerifyPassed : api::kVerifyFailed;
  v.tables = got.tables;
  v.rows = got.rows;
  v.differing = static_cast<int64_t>(got.mismatches.size());
  v.mismatches.assign(got.mismatches.begin(),
                      got.mismatches.begin() + std::min(got.mismatches.size(), kKeptMismatches));
  v.time = NowRfc3339();
  SetDb([&](api::DatabaseStatus& d) { d.verification = v; });

  const std::string compared = std::to_string(got.tables) + " tables, " + std::to_string(got.rows) + " rows";
  const std::string db = "database \"" + plan_.dbname + "\": ";
  if (got.mismatches.empty()) {
    e_.Event("Verified", db + (o.checksums ? "row counts and checksums (" + got.row_hash + ")" : "row counts") +
                             " match on both servers (" + compared + ")");
    return std::string();
  }
  std::string why = std::to_string(got.mismatches.size()) + " of " + std::to_string(got.tables) +
                    (o.checksums ? " tables differ: " : " tables differ in row count: ");
  for (size_t i = 0; i < got.mismatches.size() && i < kNamedMismatches; ++i)
    why += (i ? "; " : "") + got.mismatches[i];
  if (got.mismatches.size() > kNamedMismatches)
    why += "; ... (the first " + std::to_string(kKeptMismatches) +
           " in status.databases[].verification, all with pgferry verify)";
  e_.Event("VerificationFailed", db + why, true);
  return why;
}

Result<std::string> DatabaseMigration::VerifyBeforeCutover(pg::Session& s) {
  // It holds the snapshot while the workers compare: no timeout may end it.
  for (const char* stmt : sql::kNoTimeoutSettings) RETURN_IF_ERROR(s.Query(stmt).status());
  // The snapshot first, then the source's position: every commit the snapshot sees is below it.
  RETURN_IF_ERROR(s.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  auto differ = [&]() -> Result<std::string> {
    ASSIGN_OR_RETURN(auto exported, s.Query("SELECT pg_catalog.pg_export_snapshot()"));
    ASSIGN_OR_RETURN(auto slot, s.Query(sql::kSlot, {name_, "0"}));
    if (slot.empty()) return Status(StatusCode::kNotFound, "replication slot " + name_ + " not found on the source");
    const std::string position = slot.Get(0, 4);
    // Then the destination must have applied everything up to there before it is read.
    auto deadline = std::chrono::steady_clock::now() + kConfirmTimeout;
    for (int polls = 0, flushed_at = -20;; ++polls) {
      ASSIGN_OR_RETURN(slot, s.Query(sql::kSlot, {name_, position}));
      if (!slot.empty() && slot.GetBool(0, 5)) break;
      // The slot confirms flushed WAL only (engine_sql.h kFlushSourceWal); this session is in
      // its read-only snapshot, so another one asks when that is what is missing, at most every 2 s.
      if (!slot.empty() && slot.GetBool(0, 7) && polls - flushed_at >= 20) {
        flushed_at = polls;
        auto other = e_.options_.connector->Connect(src_params_);
        if (other.ok()) FlushSourceWal(**other);
      }
      if (e_.StopRequested()) return Status(StatusCode::kAborted, "stopped");
      if (std::chrono::steady_clock::now() > deadline)
        return "the subscription has not confirmed the source's changes up to the comparison's snapshot within " +
               std::to_string(kConfirmTimeout.count()) + " s";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Verify(exported.Get(0, 0));
  }();
  (void)s.Exec("ROLLBACK");
  return differ;
}

}  // namespace pgferry
