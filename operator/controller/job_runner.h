// JobRunner: the bounded worker pool where long work (a MigrationEngine run, a cleanup) happens,
// so that a reconcile never waits for PostgreSQL.
//
// At most `max_concurrent` jobs run at once (--max-concurrent-migrations); the others wait in
// submission order, except that urgent jobs (cleanups of deleted PgMigrations) go ahead of
// every waiting one. A job asked to stop while still waiting finishes at once without running.
// Shutdown() asks every job to stop, drops the waiting ones and joins the workers.
//
// Ownership: the runner shares ownership of submitted jobs until they finish. Thread-safe:
// Submit, counts and Shutdown may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace pgferry::controller {

// One piece of long work. Run() is called at most once, on a pool thread; RequestStop() may be
// called from any thread at any time and must make Run() return soon (at a safe point).
class Job {
 public:
  virtual ~Job() = default;
  virtual void Run() = 0;
  virtual void RequestStop() = 0;
  // Called instead of Run() when the job is dropped (stopped while waiting, or shutdown).
  virtual void Cancel() = 0;
};

class JobRunner {
 public:
  explicit JobRunner(int max_concurrent);
  ~JobRunner();  // Shutdown()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // After Shutdown the job is cancelled at once.
  void Submit(std::shared_ptr<Job> job, bool urgent = false);
  // Takes a waiting job out of the queue and cancels it; false when it was not waiting.
  bool Withdraw(const std::shared_ptr<Job>& job);

  // Asks running jobs to stop, cancels waiting ones, and waits for the workers to finish.
  void Shutdown();

  int running() const;
  int waiting() const;
  int max_concurrent() const { return static_cast<int>(workers_.size()); }

 private:
  void Work();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  std::deque<std::shared_ptr<Job>> waiting_;
  std::set<std::shared_ptr<Job>> running_;
  std::vector<std::thread> workers_;
};

}  // namespace pgferry::controller
