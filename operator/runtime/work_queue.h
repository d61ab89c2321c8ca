// WorkQueue: the keys ("namespace/name") that need a reconcile, handed out to worker threads.
//
// client-go's rate-limited delaying queue, for string keys:
//   - de-duplicated: a key added several times before a worker takes it is handed out once;
//   - exclusive: a key being processed (between Get and Done) is never handed to a second worker;
//     adding it meanwhile marks it dirty and it is queued again when Done is called;
//   - AddAfter(key, delay) queues the key once the delay has passed (requeue-after polling); a
//     key already waiting keeps the earlier of the two times;
//   - AddRateLimited(key) waits the key's exponential backoff (rate_limiter.h); Forget(key)
//     resets it after a success;
//   - ShutDown() makes Get return std::nullopt at once in every worker, queued keys are dropped
//     and later adds ignored: a stopping operator takes no new work (the next leader relists).
// Ready keys come out in the order they became ready.
//
// Thread-safe: any number of producers and workers. The Clock and the metrics sink must
// outlive the queue; the sink is called under the queue's lock and must not call back into it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "operator/runtime/clock.h"
#include "operator/runtime/rate_limiter.h"

namespace pgferry::runtime {

// What the queue reports; implemented with Prometheus metrics in controller_metrics.h.
class WorkQueueMetrics {
 public:
  virtual ~WorkQueueMetrics() = default;
  virtual void Added() = 0;                          // a key was queued (not a duplicate)
  virtual void DepthChanged(size_t depth) = 0;       // keys queued and not yet handed out
  virtual void Dequeued(double queued_seconds) = 0;  // a worker took a key after this wait
  virtual void Finished(double work_seconds) = 0;    // a worker called Done after this long
  virtual void Retried() = 0;                        // AddRateLimited was called
};

class WorkQueue {
 public:
  using Duration = std::chrono::nanoseconds;

  struct Options {
    Clock* clock = nullptr;               // nullptr = Clock::Real()
    WorkQueueMetrics* metrics = nullptr;  // nullptr = none
    Duration backoff_base = ItemExponentialBackoff::kDefaultBase;
    Duration backoff_max = ItemExponentialBackoff::kDefaultMax;
  };

  WorkQueue() : WorkQueue(Options()) {}
  explicit WorkQueue(Options options);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until a key is ready and returns it, marked as processing; std::nullopt once ShutDown
  // has been called. Every key returned must be given back with Done.
  std::optional<std::string> Get();
  // Get without blocking: std::nullopt when no key is ready now.
  std::optional<std::string> TryGet();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown();

  size_t Len();            // keys ready to be handed out now
  size_t NumWaiting();     // keys waiting for an AddAfter / AddRateLimited delay
  size_t NumProcessing();  // keys handed out and not yet Done
  // Seconds that keys being processed right now have been running: the sum and the longest
  // (workqueue_unfinished_work_seconds, workqueue_longest_running_processor_seconds).
  void UnfinishedWork(double* total_seconds, double* longest_seconds);

 private:
  using TimePoint = Clock::TimePoint;

  void AddLocked(const std::string& key, TimePoint now);
  void PromoteDueLocked(TimePoint now);
  std::string PopLocked(TimePoint now);
  void ReportDepthLocked();

  Clock* clock_;
  WorkQueueMetrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  std::deque<std::string> queue_;                  // ready, in order; each key at most once
  std::map<std::string, TimePoint> dirty_;         // needs processing → when it was added
  std::map<std::string, TimePoint> processing_;    // handed out → when
  std::multimap<TimePoint, std::string> waiting_;  // delayed: ready time → key
  std::map<std::string, std::multimap<TimePoint, std::string>::iterator> waiting_index_;
  ItemExponentialBackoff backoff_;
};

}  // namespace pgferry::runtime
