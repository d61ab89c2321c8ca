// Controller: worker threads that take keys from a WorkQueue and reconcile them.
//
// Each of `max_concurrent_reconciles` workers loops Get → Reconcile(key) → Done, and applies
// the result the way controller-runtime does:
//   Done            Forget(key): the backoff of the key starts over;
//   RequeueAfter(d) Forget(key), AddAfter(key, d);
//   Retry(error)    AddRateLimited(key): 5 ms, 10 ms, ... up to 1000 s; the error is logged;
//   Terminal(error) Forget(key), no requeue; the error is logged.
// A Reconcile that throws is logged, counted as a panic and retried like Retry. The queue
// guarantees that one key is never reconciled by two workers at once. Every outcome is counted
// in ControllerMetrics (controller-runtime's metric names) when a registry is given.
//
// Events reach the controller through queue(): informer handlers (EnqueueObjectKey) add keys.
// Stop (or the stop token given to Run) shuts the queue down: no worker takes another key, the
// reconciles already running finish, then the workers are joined. That is the first half of a
// graceful shutdown; releasing the Lease comes after (shutdown.h).
//
// Ownership: the Reconciler, Clock and Registry must outlive the controller. Thread-safety:
// queue() may be used from any thread; Start, Stop and Run from one owner thread.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "operator/runtime/clock.h"
#include "operator/runtime/controller_metrics.h"
#include "operator/runtime/log.h"
#include "operator/runtime/reconciler.h"
#include "operator/runtime/work_queue.h"

namespace pgferry::runtime {

class Controller {
 public:
  struct Options {
    std::string name;  // "pgmigration": the controller / queue label and the log field
    int max_concurrent_reconciles = 1;
    Clock* clock = nullptr;                    // nullptr = Clock::Real()
    prometheus::Registry* registry = nullptr;  // nullptr = no metrics
    WorkQueue::Duration backoff_base = ItemExponentialBackoff::kDefaultBase;
    WorkQueue::Duration backoff_max = ItemExponentialBackoff::kDefaultMax;
    LogSink log = StderrLog;
    // How often Run refreshes workqueue_unfinished_work_seconds and its sibling.
    std::chrono::milliseconds unfinished_work_interval{500};
  };

  Controller(Options options, Reconciler* reconciler);
  ~Controller();  // Stop()
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  WorkQueue& queue() { return *queue_; }
  const std::string& name() const { return options_.name; }

  // Starts the workers. Call at most once.
  void Start();
  // Shuts the queue down and waits for running reconciles to finish. Safe to call twice.
  void Stop();
  // Start, then block until `stop` is requested, then Stop.
  void Run(std::stop_token stop);

 private:
  void Work();
  void ReconcileKey(const std::string& key);
  void Log(const std::string& line);

  Options options_;
  Reconciler* reconciler_;
  Clock* clock_;
  std::unique_ptr<ControllerMetrics> metrics_;
  std::unique_ptr<WorkQueue> queue_;
  std::vector<std::thread> workers_;
};

}  // namespace pgferry::runtime
