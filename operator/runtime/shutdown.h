// Shutdown: the process-wide "stop now" flag that SIGTERM and SIGINT set.
//
// Request() (or a signal, once InstallSignalHandlers has run) sets the flag, wakes Wait()ers and
// requests stop on token(), which the runtime's loops take (Controller::Run, LeaderElector::Run,
// Informer::WaitForSync). A second signal ends the process at once with exit code 1, as
// controller-runtime does, for when a graceful stop hangs.
//
// The graceful order, as `pgferry operator` runs it:
//   1. the signal requests shutdown: Controller::Run(token) shuts its queue down, so no worker
//      takes another key, and returns once the reconciles already running have finished;
//   2. then the LeaderElector's own stop is requested: it releases the Lease (holderIdentity "")
//      so the next replica takes over at once, never while a reconcile is still running here;
//   3. then informers, the probe and metrics servers stop, and the process exits 0.
// The elector gets its own std::stop_source because step 2 must wait for step 1.
//
// Thread-safety: every method may be called from any thread. Signal handlers only write one
// byte to a pipe (async-signal-safe); a thread owned by this object turns that into Request().
// At most one Shutdown in a process installs handlers; the destructor restores the previous ones.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "operator/common/status.h"

namespace pgferry::runtime {

class Shutdown {
 public:
  Shutdown() = default;
  ~Shutdown();
  Shutdown(const Shutdown&) = delete;
  Shutdown& operator=(const Shutdown&) = delete;

  // REQUIRES: no other Shutdown has installed handlers. kFailedPrecondition otherwise.
  Status InstallSignalHandlers();

  // Sets the flag (the first reason is kept) and wakes everything watching it.
  void Request(const std::string& reason);
  bool requested() const;
  std::string reason() const;  // "received SIGTERM", or what Request was given
  std::stop_token token() const { return source_.get_token(); }

  void Wait();
  // False when `timeout` passed first.
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  void ReadSignals();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool claimed_ = false;    // a first Request has come (its reason is kept)
  bool requested_ = false;  // ... and token() has been stopped
  std::string reason_;
  std::stop_source source_;

  bool installed_ = false;
  int pipe_[2] = {-1, -1};
  std::thread signal_thread_;
};

}  // namespace pgferry::runtime
