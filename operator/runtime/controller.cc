#include "operator/runtime/controller.h"

#include <condition_variable>
#include <exception>
#include <mutex>

namespace pgferry::runtime {

Controller::Controller(Options options, Reconciler* reconciler)
    : options_(std::move(options)),
      reconciler_(reconciler),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {
  if (options_.max_concurrent_reconciles < 1) options_.max_concurrent_reconciles = 1;
  if (options_.registry != nullptr) {
    metrics_ = std::make_unique<ControllerMetrics>(*options_.registry, options_.name);
    metrics_->SetMaxConcurrentReconciles(options_.max_concurrent_reconciles);
  }
  WorkQueue::Options queue;
  queue.clock = clock_;
  queue.metrics = metrics_.get();
  queue.backoff_base = options_.backoff_base;
  queue.backoff_max = options_.backoff_max;
  queue_ = std::make_unique<WorkQueue>(queue);
}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  Log("Starting workers controller=" + LogValue(options_.name) +
      " worker_count=" + std::to_string(options_.max_concurrent_reconciles));
  for (int i = 0; i < options_.max_concurrent_reconciles; ++i)
    workers_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  queue_->ShutDown();
  if (workers_.empty()) return;
  Log("Stopping workers controller=" + LogValue(options_.name) +
      "; waiting for running reconciles");
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  Log("All workers finished controller=" + LogValue(options_.name));
}

void Controller::Run(std::stop_token stop) {
  Start();
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  while (!stop.stop_requested()) {
    cv.wait_for(lock, stop, options_.unfinished_work_interval, [] { return false; });
    if (metrics_ == nullptr) continue;
    double total = 0, longest = 0;
    queue_->UnfinishedWork(&total, &longest);
    metrics_->SetUnfinishedWork(total, longest);
  }
  lock.unlock();
  Stop();
}

void Controller::Work() {
  while (std::optional<std::string> key = queue_->Get()) {
    if (metrics_) metrics_->WorkerStarted();
    ReconcileKey(*key);
    if (metrics_) metrics_->WorkerFinished();
    queue_->Done(*key);
  }
}

void Controller::ReconcileKey(const std::string& key) {
  Clock::TimePoint started = clock_->Now();
  std::optional<ReconcileResult> result;
  std::string thrown;
  try {
    result = reconciler_->Reconcile(key);
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "unknown exception";
  }
  double seconds = std::chrono::duration<double>(clock_->Now() - started).count();
  const std::string where = "controller=" + LogValue(options_.name) + " key=" + LogValue(key);

  if (!result) {
    if (metrics_) metrics_->ReconcilePanicked(seconds);
    Log("Observed a panic in reconciler " + where + " error=" + LogValue(thrown));
    queue_->AddRateLimited(key);
    return;
  }
  if (metrics_) metrics_->ReconcileEnded(result->kind(), seconds);
  switch (result->kind()) {
    case ReconcileResult::Kind::kDone:
      queue_->Forget(key);
      break;
    case ReconcileResult::Kind::kRequeueAfter:
      queue_->Forget(key);
      queue_->AddAfter(key, result->requeue_after());
      break;
    case ReconcileResult::Kind::kRetry:
      Log("Reconciler error " + where + " error=" + LogValue(result->error().ToString()));
      queue_->AddRateLimited(key);
      break;
    case ReconcileResult::Kind::kTerminal:
      Log("Reconciler error (terminal, not retried) " + where +
          " error=" + LogValue(result->error().ToString()));
      queue_->Forget(key);
      break;
  }
}

void Controller::Log(const std::string& line) {
  if (options_.log) options_.log(line);
}

}  // namespace pgferry::runtime
