// Reconciler and ReconcileResult: the contract between the runtime and a controller's logic.
//
// The Controller calls Reconcile(key) with nothing but the object's key ("namespace/name"):
// reconciliation is level-based, so the reconciler reads the current state (an Informer's cache,
// the API) and never depends on which event caused the call. The result is exactly one of the
// four outcomes of controller-runtime's contract:
//   Done()             the object is where it should be; wait for the next change;
//   RequeueAfter(d)    poll: look again after `d` (an outside process is progressing);
//   Retry(error)       a transient failure: try again with the key's exponential backoff;
//   Terminal(error)    it cannot succeed without a change from the user (bad spec): logged and
//                      counted, no retry until the object changes.
// There is no "requeue: true": waiting for something outside uses a known interval.
//
// ReconcileResult is a value type. A Reconciler is called from several worker threads at once,
// but never twice at the same time for the same key; implementations must be thread-safe across
// keys. Reconcile should not throw; if it does, the worker counts it and retries with backoff.
#pragma once

#include <chrono>
#include <string>

#include "operator/common/status.h"

namespace pgferry::runtime {

class ReconcileResult {
 public:
  enum class Kind { kDone, kRequeueAfter, kRetry, kTerminal };

  static ReconcileResult Done() { return ReconcileResult(Kind::kDone, {}, Status::Ok()); }
  // REQUIRES: delay > 0.
  static ReconcileResult RequeueAfter(std::chrono::milliseconds delay) {
    return ReconcileResult(Kind::kRequeueAfter, delay, Status::Ok());
  }
  // REQUIRES: !error.ok().
  static ReconcileResult Retry(Status error) {
    return ReconcileResult(Kind::kRetry, {}, std::move(error));
  }
  // REQUIRES: !error.ok().
  static ReconcileResult Terminal(Status error) {
    return ReconcileResult(Kind::kTerminal, {}, std::move(error));
  }

  Kind kind() const { return kind_; }
  std::chrono::milliseconds requeue_after() const { return requeue_after_; }
  const Status& error() const { return error_; }

 private:
  ReconcileResult(Kind kind, std::chrono::milliseconds after, Status error)
      : kind_(kind), requeue_after_(after), error_(std::move(error)) {}

  Kind kind_;
  std::chrono::milliseconds requeue_after_;
  Status error_;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileResult Reconcile(const std::string& key) = 0;
};

}  // namespace pgferry::runtime
