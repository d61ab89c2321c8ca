// LeaderElector: makes sure only one operator replica acts, with a coordination.k8s.io/v1 Lease.
//
// client-go's algorithm, on the KubeClient interface:
//   - acquire: create the Lease, or take it over when it is free (holderIdentity "") or expired:
//     its holder has not changed it for leaseDurationSeconds as measured on *this* process's
//     monotonic clock since it was first seen in that state (clocks of replicas are never
//     compared). A takeover sets acquireTime and increments leaseTransitions;
//   - renew: the holder rewrites renewTime every retry_period. Writes are conditional on
//     metadata.resourceVersion; a 409 means someone else wrote first, so it reads again;
//   - lose: when the Lease is found held by another replica, or renewing has failed for
//     renew_deadline, leadership is over: on_stopped_leading(true) is called and the process
//     must stop acting at once (controller-runtime exits);
//   - release: on a requested stop the holder writes holderIdentity "" (leaseDurationSeconds 1),
//     so another replica takes over at its next attempt instead of waiting out the lease.
//
// Run drives all of this on the caller's thread; TryAcquireOrRenew is one step of it, public so
// that tests (and the operator's readiness) can drive and inspect it deterministically.
// Ownership: the KubeClient and Clock must outlive the elector. Thread-safety: IsLeader and
// LeaderIdentity may be called from any thread; Run, TryAcquireOrRenew and Release from one
// thread at a time. Callbacks run on Run's thread and must return quickly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "operator/kube/kube_client.h"
#include "operator/runtime/clock.h"
#include "operator/runtime/lease_record.h"
#include "operator/runtime/log.h"

namespace pgferry::runtime {

class LeaderElector {
 public:
  struct Options {
    std::string lease_namespace;
    std::string lease_name;  // e.g. "pgferry-operator-leader"
    std::string identity;    // unique per replica; "" = DefaultLeaderIdentity()
    std::chrono::seconds lease_duration{15};
    std::chrono::milliseconds renew_deadline{10000};  // REQUIRES: < lease_duration
    std::chrono::milliseconds retry_period{2000};     // REQUIRES: < renew_deadline
    bool release_on_stop = true;
    Clock* clock = nullptr;  // nullptr = Clock::Real()
    LogSink log = StderrLog;
  };
  struct Callbacks {
    std::function<void()> on_started_leading;
    // `lost`: true when the lease was lost (stop acting now), false after a requested stop.
    std::function<void(bool lost)> on_stopped_leading;
    // The holder changed (including to this replica); "" when the lease was released.
    std::function<void(const std::string& identity)> on_new_leader;
  };

  LeaderElector(kube::KubeClient* client, Options options, Callbacks callbacks = {});
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Tries to acquire every retry_period until it leads or `stop` is requested; then renews every
  // retry_period until the lease is lost or `stop` is requested (then releases it when
  // release_on_stop). Returns once it no longer leads.
  void Run(std::stop_token stop);

  // One attempt to acquire or renew; true when this replica holds the lease afterwards.
  bool TryAcquireOrRenew();
  // Gives the lease up if this replica holds it. OK when there was nothing to release.
  Status Release();

  bool IsLeader() const { return leader_; }
  // The holder last observed; "" when none.
  std::string LeaderIdentity() const;
  const std::string& identity() const { return options_.identity; }

 private:
  enum class Outcome { kLeading, kHeldByOther, kFailed };

  Outcome Attempt();
  Outcome AttemptOnce(bool* conflict);
  void Observe(const nlohmann::json& lease);
  // Waits for `delay` on the clock; false when `stop` was requested.
  bool Sleep(std::stop_token stop, std::chrono::milliseconds delay);
  void Log(const std::string& line);

  kube::KubeClient* client_;
  Options options_;
  Callbacks callbacks_;
  Clock* clock_;
  std::atomic<bool> leader_{false};

  // What the Lease's spec looked like when last read, and when (on clock_) it was first seen so.
  bool observed_any_ = false;
  LeaseRecord observed_;
  nlohmann::json observed_spec_;
  Clock::TimePoint observed_time_{};

  mutable std::mutex mu_;  // guards leader_identity_
  std::string leader_identity_;
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
};

// "<hostname>_<16 hex digits>": unique per process, recognisable per pod.
std::string DefaultLeaderIdentity();

}  // namespace pgferry::runtime
