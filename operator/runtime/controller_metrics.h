// ControllerMetrics: one controller's Prometheus series, under controller-runtime's names.
//
// Dashboards and alerts written for Go operators work unchanged because the names and labels
// are the ones controller-runtime and client-go export:
//   controller_runtime_reconcile_total{controller,result}
//       result: success | error | requeue (always 0: there is no "requeue: true") | requeue_after
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_terminal_reconcile_errors_total{controller}
//   controller_runtime_reconcile_panics_total{controller}   (a Reconcile that threw)
//   controller_runtime_reconcile_time_seconds{controller}   histogram
//   controller_runtime_active_workers{controller}
//   controller_runtime_max_concurrent_reconciles{controller}
//   workqueue_depth{name}, workqueue_adds_total{name}, workqueue_retries_total{name},
//   workqueue_queue_duration_seconds{name}, workqueue_work_duration_seconds{name} (histograms),
//   workqueue_unfinished_work_seconds{name}, workqueue_longest_running_processor_seconds{name}
// where name is the controller's name. Several controllers may share one Registry: the families
// are registered once (prometheus-cpp merges identical registrations) and each controller adds
// its own labelled series.
//
// Ownership: the Registry must outlive this object. Thread-safe (prometheus-cpp metrics are
// atomic).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "operator/runtime/reconciler.h"
#include "operator/runtime/work_queue.h"

namespace pgferry::runtime {

class ControllerMetrics : public WorkQueueMetrics {
 public:
  ControllerMetrics(prometheus::Registry& registry, const std::string& controller);

  // WorkQueueMetrics.
  void Added() override;
  void DepthChanged(size_t depth) override;
  void Dequeued(double queued_seconds) override;
  void Finished(double work_seconds) override;
  void Retried() override;

  void SetUnfinishedWork(double total_seconds, double longest_seconds);
  void SetMaxConcurrentReconciles(int workers);
  void WorkerStarted();
  void WorkerFinished();

  // One Reconcile call that ended in `kind` after `seconds`.
  void ReconcileEnded(ReconcileResult::Kind kind, double seconds);
  // A Reconcile call that threw: counted as a panic and as an error.
  void ReconcilePanicked(double seconds);

 private:
  prometheus::Counter* success_;
  prometheus::Counter* error_;
  prometheus::Counter* requeue_after_;
  prometheus::Counter* errors_;
  prometheus::Counter* terminal_errors_;
  prometheus::Counter* panics_;
  prometheus::Histogram* reconcile_time_;
  prometheus::Gauge* active_workers_;
  prometheus::Gauge* max_concurrent_;
  prometheus::Gauge* depth_;
  prometheus::Counter* adds_;
  prometheus::Counter* retries_;
  prometheus::Histogram* queue_duration_;
  prometheus::Histogram* work_duration_;
  prometheus::Gauge* unfinished_work_;
  prometheus::Gauge* longest_running_;
};

}  // namespace pgferry::runtime
