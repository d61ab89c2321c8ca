#include "operator/controller/migration_job.h"

namespace pgferry::controller {

MigrationJob::MigrationJob(JobParams params) : params_(std::move(params)), status_(params_.seed) {}

void MigrationJob::Run() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = JobState::kRunning;
  }
  Notify();
  // The engine works on its own copy of the status; the listener sees every change.
  api::MigrationStatus status = params_.seed;
  EngineOptions options;
  options.connector = params_.connector;
  options.endpoints = params_.endpoints;
  options.migration_id = params_.migration_id;
  options.generation = params_.generation;
  options.listener = this;
  options.stop = &stop_;
  options.poll_interval = params_.poll_interval;
  options.sync_timeout = params_.sync_timeout;
  MigrationEngine engine(params_.spec, options, &status);
  if (params_.kind == JobKind::kMigrate) {
    RunOutcome outcome = stop_ ? RunOutcome::kStopped : engine.Run();
    std::lock_guard<std::mutex> lock(mu_);
    outcome_ = outcome;
    passwords_ = engine.passwords();
    status_ = status;
    status_changed_ = true;
  } else {
    std::vector<std::string> report;
    Status result = engine.Cleanup(&report);
    std::lock_guard<std::mutex> lock(mu_);
    cleanup_result_ = result;
    cleanup_report_ = std::move(report);
  }
  Finish();
}

void MigrationJob::RequestStop() { stop_ = true; }

void MigrationJob::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    outcome_ = RunOutcome::kStopped;
    cleanup_result_ = Status(StatusCode::kAborted, "cleanup did not run: the operator stopped it");
  }
  Finish();
}

void MigrationJob::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = JobState::kFinished;
    finished_at_ = std::chrono::steady_clock::now();
  }
  Notify();
}

void MigrationJob::Notify() {
  if (params_.on_change) params_.on_change();
}

void MigrationJob::OnStatus(const api::MigrationStatus& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    status_changed_ = true;
  }
  Notify();
}

void MigrationJob::OnEvent(const std::string& reason, const std::string& message, bool warning) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({reason, message, warning});
  }
  Notify();
}

JobView MigrationJob::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  JobView v;
  v.state = state_;
  v.stop_requested = stop_;
  v.status_changed = status_changed_;
  v.status = status_;
  v.events.swap(events_);
  status_changed_ = false;
  if (state_ == JobState::kFinished) {
    v.cancelled = cancelled_;
    v.outcome = outcome_;
    v.passwords = passwords_;
    v.cleanup_result = cleanup_result_;
    v.cleanup_report = cleanup_report_;
  }
  return v;
}

bool MigrationJob::finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ == JobState::kFinished;
}

std::chrono::steady_clock::time_point MigrationJob::finished_at() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_at_;
}

}  // namespace pgferry::controller
