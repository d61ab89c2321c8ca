// When the engine should run (again) for a PgMigration that has no job running: the one place
// the reconciler's polling rules live. Pure function; thread-safe.
//
//   previous run (this process)  | situation                                | next run
//   -----------------------------+------------------------------------------+---------------------
//   none                         | status Done for this generation          | never
//   none                         | status Syncing for this generation       | now, as a refresh
//   none                         | anything else (new, or resumed after a   | now
//                                | restart of the operator)                 |
//   any                          | generation changed                       | now
//   any but done-and-finished    | credentials changed                      | now
//   stopped (not finished)       |                                          | now
//   done, replication running    |                                          | after
//   refresh_interval,
//                                |                                          | as a refresh
//   done, nothing replicating    |                                          | never
//   failed / validation failed   |                                          | after failed_retry
//
// A refresh is a re-run of the idempotent engine that only brings lag and table counts up to
// date: the reconciler publishes its final status only, not the Validating/Running it passes
// through on the way.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "reconcilers/api/migration.h"
#include "reconcilers/migration_engine.h"

namespace pgferry::controller {

struct PreviousRun {
  int64_t generation = 0;
  std::string credentials_hash;
  RunOutcome outcome = RunOutcome::kStopped;
  bool replication_running = false;  // some database replicating and not cut over
  std::chrono::steady_clock::time_point finished_at;
};

struct RerunPolicy {
  std::chrono::milliseconds refresh_interval{15000};
  std::chrono::milliseconds failed_retry{60000};
};

struct NextRun {
  enum class When { kNow, kLater, kNever } when = When::kNever;
  std::chrono::milliseconds after{0};  // kLater: how long from now
  bool refresh = false;
  const char* why = "";  // for the log line
};

NextRun DecideNextRun(const std::optional<PreviousRun>& previous,
                      const api::MigrationStatus& status, int64_t generation,
                      const std::string& credentials_hash, const RerunPolicy& policy,
                      std::chrono::steady_clock::time_point now);

// True when some database is replicating (method replication, status running or syncing).
bool ReplicationRunning(const api::MigrationStatus& status);

}  // namespace pgferry::controller
