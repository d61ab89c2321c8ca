// The deletion half of PgMigrationReconciler: phase Deleting, stop the engine, run Cleanup on the
// pool (cleanupPolicy Delete), retry with backoff, and release the finalizer when cleanup is
// done, skipped, or given up after options_.cleanup_max_attempts / cleanup_max_duration.
#include <algorithm>

#include "operator/controller/finalizer.h"
#include "operator/controller/pgmigration_reconciler.h"
#include "operator/runtime/lease_record.h"
#include "reconcilers/status_summary.h"

namespace pgferry::controller {
namespace {

using Json = nlohmann::json;
using runtime::LogValue;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

void MarkDeleting(api::MigrationStatus* s, int64_t gen, const std::string& message) {
  s->phase = api::kPhaseDeleting;
  s->observedGeneration = gen;
  SetCondition(s, "Ready", false, "Deleting", message, gen);
  SetCondition(s, "Reconciling", true, "Deleting", message, gen);
}

// Time since metadata.deletionTimestamp (zero when it cannot be read).
std::chrono::seconds SinceDeletion(const api::PgMigration& m) {
  auto t = runtime::ParseMicroTime(m.metadata.deletionTimestamp);
  if (!t) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t);
}

}  // namespace

runtime::ReconcileResult PgMigrationReconciler::ReconcileDeletion(const std::string& key,
                                                                  const Json& live,
                                                                  const api::PgMigration& m,
                                                                  Record& rec) {
  const int64_t gen = m.metadata.generation;
  if (!HasFinalizer(live, api::kFinalizer)) {
    if (rec.job && !rec.job->finished()) StopJob(rec, "the PgMigration is being deleted", key);
    return Outcome::Done();
  }
  Absorb(live, m, rec);
  if (rec.job && rec.job->kind() == JobKind::kMigrate) {  // still running
    if (!rec.job->stop_requested()) StopJob(rec, "the PgMigration is being deleted", key);
    MarkDeleting(&rec.status, gen, "waiting for the migration engine to stop");
    return Finish(live, m, rec, Outcome::RequeueAfter(options_.notify_delay));
  }
  MarkDeleting(&rec.status, gen,
               "dropping the publications, slots and subscriptions pgferry created");

  if (m.spec.cleanupPolicy == "Retain") {
    Event(live, rec, gen, "CleanupSkipped",
          "cleanupPolicy is Retain: publications, replication slots and subscriptions were left "
          "in place",
          false);
    return ReleaseFinalizer(live, m, rec);
  }
  // The engine lists databases in the status only once validation passed: before that nothing
  // was written anywhere (the job's last snapshot is in rec.status, it has stopped).
  if (rec.status.databases.empty() && rec.status.roles.empty()) {
    Event(live, rec, gen, "CleanupSkipped",
          "nothing was created on the servers (validation never passed)", false);
    return ReleaseFinalizer(live, m, rec);
  }

  if (rec.job) {  // the cleanup job
    JobView v = rec.job->Take();
    if (v.state != JobState::kFinished)
      return Finish(live, m, rec, Outcome::RequeueAfter(options_.notify_delay));
    rec.job.reset();
    if (v.cleanup_result.ok()) {
      Log("Cleanup finished key=" + LogValue(key) + " report=" + LogValue(Join(v.cleanup_report)));
      Event(live, rec, gen, "CleanedUp",
            v.cleanup_report.empty() ? "nothing to clean up" : Join(v.cleanup_report), false);
      return ReleaseFinalizer(live, m, rec);
    }
    ++rec.cleanup_attempts;
    return CleanupFailed(live, m, rec, v.cleanup_result.message(), v.cleanup_report);
  }

  auto now = std::chrono::steady_clock::now();
  if (now < rec.next_cleanup) {
    return Finish(live, m, rec,
                  Outcome::RequeueAfter(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            rec.next_cleanup - now) +
                                        std::chrono::milliseconds(1)));
  }
  auto resolved = Resolve(m);
  if (!resolved.ok() && !rec.endpoints) {
    ++rec.cleanup_attempts;
    return CleanupFailed(live, m, rec, resolved.status().message(), {});
  }
  // Without the Secrets (deleted together with the PgMigration) the last credentials still work.
  StartJob(key, m, rec, JobKind::kCleanup, resolved.ok() ? *resolved : *rec.endpoints, false);
  Log("Queued cleanup key=" + LogValue(key) +
      " attempt=" + std::to_string(rec.cleanup_attempts + 1));
  return Finish(live, m, rec, Outcome::RequeueAfter(options_.notify_delay));
}

runtime::ReconcileResult PgMigrationReconciler::CleanupFailed(
    const Json& live, const api::PgMigration& m, Record& rec, const std::string& error,
    const std::vector<std::string>& report) {
  const int64_t gen = m.metadata.generation;
  const std::string key = m.metadata.namespace_ + "/" + m.metadata.name;
  std::vector<std::string> left;
  for (const auto& line : report)
    if (line.rfind("dropped ", 0) != 0) left.push_back(line);
  bool give_up = rec.cleanup_attempts >= options_.cleanup_max_attempts ||
                 SinceDeletion(m) >= options_.cleanup_max_duration;
  if (give_up) {
    std::string msg = "cleanup given up after " + std::to_string(rec.cleanup_attempts) +
                      " attempt(s), releasing the finalizer: " + error;
    if (left.empty()) {
      // No cleanup run got far enough to report (e.g. the Secrets are gone after an operator
      // restart): name what the status records as created.
      for (const auto& d : rec.status.databases) {
        const auto& o = d.replicationObjects;
        if (!o.subscription.empty())
          left.push_back("subscription " + o.subscription + " in database " + d.dbname +
                         " on the destination");
        if (!o.slot.empty()) left.push_back("slot " + o.slot + " on the source");
        if (!o.publication.empty())
          left.push_back("publication " + o.publication + " in database " + d.dbname +
                         " on the source");
      }
    }
    msg += left.empty()
               ? "; what pgferry created may remain on the servers (objects named pgferry_" +
                     rec.status.migrationId + "_*)"
               : "; may be left behind: " + Join(left);
    Log("Cleanup given up key=" + LogValue(key) + " error=" + LogValue(msg));
    Event(live, rec, gen, "CleanupAbandoned", msg, true);
    return ReleaseFinalizer(live, m, rec);
  }
  auto backoff = options_.cleanup_backoff;
  for (int i = 1; i < rec.cleanup_attempts && backoff < options_.cleanup_backoff_max; ++i)
    backoff *= 2;
  backoff = std::min(backoff, options_.cleanup_backoff_max);
  rec.next_cleanup = std::chrono::steady_clock::now() + backoff;
  std::string msg = "cleanup attempt " + std::to_string(rec.cleanup_attempts) + " of " +
                    std::to_string(options_.cleanup_max_attempts) + " failed: " + error;
  Log("Cleanup failed key=" + LogValue(key) + " error=" + LogValue(msg));
  Event(live, rec, gen, "CleanupFailed", msg, true);
  SetCondition(&rec.status, "Stalled", true, "CleanupFailed", msg, gen);
  return Finish(live, m, rec, Outcome::RequeueAfter(backoff));
}

runtime::ReconcileResult PgMigrationReconciler::ReleaseFinalizer(const Json& live,
                                                                 const api::PgMigration& m,
                                                                 Record& rec) {
  Outcome written = Finish(live, m, rec, Outcome::Done());
  if (written.kind() == Outcome::Kind::kRetry) return written;
  auto r = RemoveFinalizer(*deps_.client, live, api::kFinalizer);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound)
    return Outcome::Retry(r.status().Prefixed("removing the finalizer"));
  Log("Removed finalizer key=" + LogValue(m.metadata.namespace_ + "/" + m.metadata.name) +
      " finalizer=" + api::kFinalizer);
  return Outcome::Done();
}

}  // namespace pgferry::controller
