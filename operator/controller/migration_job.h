// MigrationJob: one run of the MigrationEngine for one PgMigration, on a JobRunner thread: either
// Run() (validate, copy, replicate, cut over) or Cleanup() (drop what the migration created).
//
// The job is the engine's ProgressListener: it keeps the latest status snapshot and the events
// not yet picked up, and calls `on_change` (outside its lock) so the reconciler can come and look.
// The reconciler never waits for a job; it calls Take() on each visit, writes what it got to the
// API server and requeues. RequestStop() sets the engine's stop flag (EngineOptions.stop).
//
// Ownership: the job owns copies of the spec, endpoints and seed status; the pg::Connector must
// outlive it. Thread-safety: Take, RequestStop and the accessors may be called from any thread
// while Run() executes on a pool thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "operator/controller/job_runner.h"
#include "reconcilers/migration_engine.h"

namespace pgferry::controller {

enum class JobKind { kMigrate, kCleanup };
enum class JobState { kWaiting, kRunning, kFinished };

struct JobEvent {
  std::string reason;  // CamelCase, from the engine
  std::string message;
  bool warning = false;
};

struct JobParams {
  JobKind kind = JobKind::kMigrate;
  api::MigrationSpec spec;
  Endpoints endpoints;
  std::string migration_id;
  int64_t generation = 0;
  api::MigrationStatus seed;     // the status the engine continues from
  std::string credentials_hash;  // which credentials the job connects with (never the secrets)
  bool refresh = false;          // a re-run that only refreshes lag of running replication
  pg::Connector* connector = nullptr;
  std::chrono::milliseconds poll_interval{500};
  std::chrono::seconds sync_timeout{0};
  std::function<void()> on_change;  // may be empty
};

// What the reconciler gets from one look at a job.
struct JobView {
  JobState state = JobState::kWaiting;
  bool stop_requested = false;
  bool status_changed = false;  // `status` holds a snapshot newer than the previous Take()
  api::MigrationStatus status;
  std::vector<JobEvent> events;  // published since the previous Take()
  // Set once finished:
  bool cancelled = false;  // never ran (dropped from the queue)
  RunOutcome outcome = RunOutcome::kStopped;
  std::vector<GeneratedPassword> passwords;  // generated role passwords (migrate)
  Status cleanup_result;                     // (cleanup)
  std::vector<std::string> cleanup_report;   // one line per object dropped or left (cleanup)
};

class MigrationJob : public Job, public ProgressListener {
 public:
  explicit MigrationJob(JobParams params);

  // Job.
  void Run() override;
  void RequestStop() override;
  void Cancel() override;

  // ProgressListener (called by the engine under its lock).
  void OnStatus(const api::MigrationStatus& status) override;
  void OnEvent(const std::string& reason, const std::string& message, bool warning) override;

  // The current state, the newest status and the events since the last call (moved out).
  JobView Take();

  JobKind kind() const { return params_.kind; }
  int64_t generation() const { return params_.generation; }
  bool refresh() const { return params_.refresh; }
  const std::string& credentials_hash() const { return params_.credentials_hash; }
  bool finished() const;
  bool stop_requested() const { return stop_; }
  // When the job finished (steady clock); only meaningful once finished().
  std::chrono::steady_clock::time_point finished_at() const;

 private:
  void Finish();
  void Notify();

  const JobParams params_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  JobState state_ = JobState::kWaiting;
  bool status_changed_ = false;
  api::MigrationStatus status_;
  std::vector<JobEvent> events_;
  bool cancelled_ = false;
  RunOutcome outcome_ = RunOutcome::kStopped;
  std::vector<GeneratedPassword> passwords_;
  Status cleanup_result_;
  std::vector<std::string> cleanup_report_;
  std::chrono::steady_clock::time_point finished_at_{};
};

}  // namespace pgferry::controller
