// PgMigrationReconciler: the PgMigration controller's logic (DESIGN.md). It only observes,
// plans and requeues; the MigrationEngine runs on the JobRunner's bounded pool.
//
// Each Reconcile(key), from the informer caches:
//   - object gone: stop its job, drop its metrics;
//   - deletionTimestamp: phase Deleting, stop the job, run the engine's Cleanup on the pool
//     (cleanupPolicy Delete), then remove the finalizer; failed cleanups are retried with
//     backoff and given up after a bound (attempts or time since deletion), with a Warning
//     event naming what was left (pgmigration_deletion.cc);
//   - otherwise: add the finalizer before the first side effect; spec.suspend stops work
//     (Reconciling False, reason Suspended); unresolvable Secrets give Stalled with the reason;
//     a job whose generation or credentials are outdated is stopped and replaced; otherwise
//     rerun_policy.h decides when the engine runs next.
// Every visit takes the job's newest status snapshot and events: the events are recorded on the
// PgMigration, generated passwords go to the `<name>-role-passwords` Secret, and the status is
// written once, only when it changed. Jobs ask for a visit through the enqueue function.
//
// Ownership: everything in ReconcilerDeps must outlive the reconciler. Thread-safety: Reconcile
// runs on several controller workers at once, never twice at once for one key; per-key records
// are guarded by a mutex.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "operator/controller/job_runner.h"
#include "operator/controller/migration_job.h"
#include "operator/controller/migration_metrics.h"
#include "operator/controller/object_cache.h"
#include "operator/controller/rerun_policy.h"
#include "operator/controller/server_endpoints.h"
#include "operator/kube/event_recorder.h"
#include "operator/runtime/log.h"
#include "operator/runtime/reconciler.h"

namespace pgferry::controller {

struct ReconcilerDeps {
  kube::KubeClient* client = nullptr;
  ObjectCache* migrations = nullptr;
  ObjectCache* secrets = nullptr;
  JobRunner* runner = nullptr;
  pg::Connector* connector = nullptr;
  kube::EventRecorder* events = nullptr;
  MigrationMetrics* metrics = nullptr;  // may be null
  runtime::LogSink log;                 // info lines; may be empty
  runtime::LogSink debug;               // debug lines; may be empty
};

struct ReconcilerOptions {
  RerunPolicy rerun;
  std::chrono::milliseconds observe_interval{5000};  // while a job runs (it also notifies)
  std::chrono::milliseconds notify_delay{500};       // coalesces a job's bursts of changes
  std::chrono::milliseconds secret_retry{30000};     // Secret missing or incomplete
  std::chrono::milliseconds engine_poll_interval{500};
  // How long one run waits for replication to catch up when no cutover is asked for; the next
  // refresh carries on. (With cutover the engine waits as long as it takes.)
  std::chrono::seconds sync_wait{120};
  int cleanup_max_attempts = 5;
  std::chrono::seconds cleanup_max_duration{300};   // since deletionTimestamp
  std::chrono::milliseconds cleanup_backoff{2000};  // doubled per failed attempt
  std::chrono::milliseconds cleanup_backoff_max{60000};
};

class PgMigrationReconciler : public runtime::Reconciler {
 public:
  using Enqueue = std::function<void(const std::string& key, std::chrono::milliseconds delay)>;

  PgMigrationReconciler(ReconcilerDeps deps, ReconcilerOptions options);

  // How jobs ask for a visit (the controller's WorkQueue::AddAfter). Set before Reconcile runs;
  // SetEnqueue(nullptr) at shutdown makes later notifications no-ops.
  void SetEnqueue(Enqueue enqueue);

  runtime::ReconcileResult Reconcile(const std::string& key) override;

 private:
  // What the reconciler remembers about one PgMigration between visits.
  struct Record {
    std::shared_ptr<MigrationJob> job;  // running, or finished and not yet handled
    bool have_status = false;
    api::MigrationStatus status;  // what pgferry last wrote or would write
    std::optional<PreviousRun> previous;
    std::optional<ResolvedEndpoints> endpoints;  // last resolved (cleanup uses it if Secrets go)
    std::vector<GeneratedPassword> unsaved_passwords;
    int64_t events_generation = -1;
    std::set<std::string> events_seen;  // reason + message recorded for events_generation
    bool ever_started = false;
    int cleanup_attempts = 0;
    std::chrono::steady_clock::time_point next_cleanup{};
  };
  using Json = nlohmann::json;
  using Outcome = runtime::ReconcileResult;

  std::shared_ptr<Record> RecordFor(const std::string& key);
  void Forget(const std::string& key);

  Outcome ReconcileLive(const std::string& key, Json live, const api::PgMigration& m, Record& rec);
  Outcome ReconcileDeletion(const std::string& key, const Json& live, const api::PgMigration& m,
                            Record& rec);
  Outcome Finish(const Json& live, const api::PgMigration& m, Record& rec, Outcome result);
  // Deletion helpers (pgmigration_deletion.cc).
  Outcome CleanupFailed(const Json& live, const api::PgMigration& m, Record& rec,
                        const std::string& error, const std::vector<std::string>& report);
  Outcome ReleaseFinalizer(const Json& live, const api::PgMigration& m, Record& rec);

  // Takes the job's snapshot and events into the record; handles a finished migrate job.
  void Absorb(const Json& live, const api::PgMigration& m, Record& rec);
  void StartJob(const std::string& key, const api::PgMigration& m, Record& rec, JobKind kind,
                const ResolvedEndpoints& endpoints, bool refresh);
  pgferry::Result<ResolvedEndpoints> Resolve(const api::PgMigration& m);
  void StopJob(Record& rec, const std::string& why, const std::string& key);

  void PhaseEvent(const Json& live, Record& rec, int64_t generation);
  void Event(const Json& live, Record& rec, int64_t generation, const std::string& reason,
             const std::string& message, bool warning);
  void Log(const std::string& line) const;
  void Debug(const std::string& line) const;
  void LogAt(bool debug, const std::string& line) const;

  ReconcilerDeps deps_;
  ReconcilerOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Record>> records_;
  std::shared_ptr<std::mutex> enqueue_mu_ = std::make_shared<std::mutex>();
  std::shared_ptr<Enqueue> enqueue_ = std::make_shared<Enqueue>();
};

}  // namespace pgferry::controller
