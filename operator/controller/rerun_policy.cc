#include "operator/controller/rerun_policy.h"

namespace pgferry::controller {
namespace {

NextRun Now(const char* why, bool refresh = false) {
  NextRun n;
  n.when = NextRun::When::kNow;
  n.refresh = refresh;
  n.why = why;
  return n;
}

NextRun Later(std::chrono::steady_clock::time_point due, std::chrono::steady_clock::time_point now,
              const char* why, bool refresh) {
  if (due <= now) return Now(why, refresh);
  NextRun n;
  n.when = NextRun::When::kLater;
  n.after = std::chrono::duration_cast<std::chrono::milliseconds>(due - now) +
            std::chrono::milliseconds(1);
  n.refresh = refresh;
  n.why = why;
  return n;
}

NextRun Never(const char* why) {
  NextRun n;
  n.why = why;
  return n;
}

}  // namespace

bool ReplicationRunning(const api::MigrationStatus& status) {
  for (const auto& d : status.databases)
    if (d.method == api::kMethodReplication &&
        (d.status == api::kDbSyncing || d.status == api::kDbRunning))
      return true;
  return false;
}

NextRun DecideNextRun(const std::optional<PreviousRun>& previous,
                      const api::MigrationStatus& status, int64_t generation,
                      const std::string& credentials_hash, const RerunPolicy& policy,
                      std::chrono::steady_clock::time_point now) {
  if (!previous) {
    bool current = status.observedGeneration == generation;
    if (current && status.phase == api::kPhaseDone) return Never("already done");
    if (current && status.phase == api::kPhaseSyncing) return Now("refreshing replication", true);
    return Now("starting");
  }
  if (previous->generation != generation) return Now("spec changed");
  // New credentials matter while something still runs; a finished migration keeps its result.
  bool finished = previous->outcome == RunOutcome::kDone && !previous->replication_running;
  if (previous->credentials_hash != credentials_hash && !finished)
    return Now("credentials changed");
  switch (previous->outcome) {
    case RunOutcome::kStopped:
      return Now("resuming a stopped run");
    case RunOutcome::kDone:
      if (!previous->replication_running) return Never("done");
      return Later(previous->finished_at + policy.refresh_interval, now, "refreshing replication",
                   true);
    case RunOutcome::kDatabaseFailed:
    case RunOutcome::kValidationFailed:
      return Later(previous->finished_at + policy.failed_retry, now, "retrying after a failure",
                   false);
  }
  return Never("unknown outcome");
}

}  // namespace pgferry::controller
