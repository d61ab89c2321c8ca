#include "operator/runtime/controller_metrics.h"

#include <cmath>

namespace pgferry::runtime {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// controller-runtime's reconcile_time_seconds buckets.
const Histogram::BucketBoundaries& ReconcileBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
      0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
      6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
  return kBuckets;
}

// client-go's workqueue duration buckets: 10ns to 1000s, ×10 each.
const Histogram::BucketBoundaries& QueueBuckets() {
  static const Histogram::BucketBoundaries kBuckets = [] {
    Histogram::BucketBoundaries b;
    for (int i = 0; i < 12; ++i) b.push_back(10e-9 * std::pow(10.0, i));
    return b;
  }();
  return kBuckets;
}

}  // namespace

ControllerMetrics::ControllerMetrics(prometheus::Registry& registry,
                                     const std::string& controller) {
  const prometheus::Labels by_controller = {{"controller", controller}};
  const prometheus::Labels by_queue = {{"name", controller}};

  auto& total = BuildCounter()
                    .Name("controller_runtime_reconcile_total")
                    .Help("Total number of reconciliations per controller")
                    .Register(registry);
  success_ = &total.Add({{"controller", controller}, {"result", "success"}});
  error_ = &total.Add({{"controller", controller}, {"result", "error"}});
  // Never incremented (there is no "requeue: true"), but dashboards expect the series.
  total.Add({{"controller", controller}, {"result", "requeue"}});
  requeue_after_ = &total.Add({{"controller", controller}, {"result", "requeue_after"}});

  errors_ = &BuildCounter()
                 .Name("controller_runtime_reconcile_errors_total")
                 .Help("Total number of reconciliation errors per controller")
                 .Register(registry)
                 .Add(by_controller);
  terminal_errors_ = &BuildCounter()
                          .Name("controller_runtime_terminal_reconcile_errors_total")
                          .Help("Total number of terminal reconciliation errors per controller")
                          .Register(registry)
                          .Add(by_controller);
  panics_ = &BuildCounter()
                 .Name("controller_runtime_reconcile_panics_total")
                 .Help("Total number of reconciliation panics per controller")
                 .Register(registry)
                 .Add(by_controller);
  reconcile_time_ = &BuildHistogram()
                         .Name("controller_runtime_reconcile_time_seconds")
                         .Help("Length of time per reconciliation per controller")
                         .Register(registry)
                         .Add(by_controller, ReconcileBuckets());
  active_workers_ = &BuildGauge()
                         .Name("controller_runtime_active_workers")
                         .Help("Number of currently used workers per controller")
                         .Register(registry)
                         .Add(by_controller);
  max_concurrent_ = &BuildGauge()
                         .Name("controller_runtime_max_concurrent_reconciles")
                         .Help("Maximum number of concurrent reconciles per controller")
                         .Register(registry)
                         .Add(by_controller);

  depth_ = &BuildGauge()
                .Name("workqueue_depth")
                .Help("Current depth of workqueue")
                .Register(registry)
                .Add(by_queue);
  adds_ = &BuildCounter()
               .Name("workqueue_adds_total")
               .Help("Total number of adds handled by workqueue")
               .Register(registry)
               .Add(by_queue);
  retries_ = &BuildCounter()
                  .Name("workqueue_retries_total")
                  .Help("Total number of retries handled by workqueue")
                  .Register(registry)
                  .Add(by_queue);
  queue_duration_ = &BuildHistogram()
                         .Name("workqueue_queue_duration_seconds")
                         .Help(
                             "How long in seconds an item stays in workqueue before being "
                             "requested")
                         .Register(registry)
                         .Add(by_queue, QueueBuckets());
  work_duration_ = &BuildHistogram()
                        .Name("workqueue_work_duration_seconds")
                        .Help("How long in seconds processing an item from workqueue takes")
                        .Register(registry)
                        .Add(by_queue, QueueBuckets());
  unfinished_work_ = &BuildGauge()
                          .Name("workqueue_unfinished_work_seconds")
                          .Help(
                              "How many seconds of work has been done that is in progress and "
                              "hasn't been observed by work_duration")
                          .Register(registry)
                          .Add(by_queue);
  longest_running_ = &BuildGauge()
                          .Name("workqueue_longest_running_processor_seconds")
                          .Help(
                              "How many seconds has the longest running processor for "
                              "workqueue been running")
                          .Register(registry)
                          .Add(by_queue);
}

void ControllerMetrics::Added() { adds_->Increment(); }
void ControllerMetrics::DepthChanged(size_t depth) { depth_->Set(static_cast<double>(depth)); }
void ControllerMetrics::Dequeued(double queued_seconds) {
  queue_duration_->Observe(queued_seconds);
}
void ControllerMetrics::Finished(double work_seconds) { work_duration_->Observe(work_seconds); }
void ControllerMetrics::Retried() { retries_->Increment(); }

void ControllerMetrics::SetUnfinishedWork(double total_seconds, double longest_seconds) {
  unfinished_work_->Set(total_seconds);
  longest_running_->Set(longest_seconds);
}

void ControllerMetrics::SetMaxConcurrentReconciles(int workers) { max_concurrent_->Set(workers); }
void ControllerMetrics::WorkerStarted() { active_workers_->Increment(); }
void ControllerMetrics::WorkerFinished() { active_workers_->Decrement(); }

void ControllerMetrics::ReconcileEnded(ReconcileResult::Kind kind, double seconds) {
  reconcile_time_->Observe(seconds);
  switch (kind) {
    case ReconcileResult::Kind::kDone:
      success_->Increment();
      break;
    case ReconcileResult::Kind::kRequeueAfter:
      requeue_after_->Increment();
      break;
    case ReconcileResult::Kind::kTerminal:
      terminal_errors_->Increment();
      [[fallthrough]];
    case ReconcileResult::Kind::kRetry:
      errors_->Increment();
      error_->Increment();
      break;
  }
}

void ControllerMetrics::ReconcilePanicked(double seconds) {
  panics_->Increment();
  ReconcileEnded(ReconcileResult::Kind::kRetry, seconds);
}

}  // namespace pgferry::runtime
