// CancelOnStop: while it lives, a thread checks `stop` every 100 ms and, once it holds, cancels
// whatever statement each watched session runs (again every round: a worker may start another
// statement before it sees the stop). For worker pools whose statements can take minutes (a
// COPY, an index build, a table's checksum): the copy workers and the verification workers.
// Thread-safe; a session is watched from Watch until the returned guard goes.
#pragma once

#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <thread>
#include <vector>

#include "operator/pg/session.h"

namespace pgferry {

class CancelOnStop {
 public:
  explicit CancelOnStop(std::function<bool()> stop);
  ~CancelOnStop();
  CancelOnStop(const CancelOnStop&) = delete;
  CancelOnStop& operator=(const CancelOnStop&) = delete;

  // Stops watching its sessions when destroyed.
  class Guard {
   public:
    Guard(CancelOnStop* owner, std::vector<pg::Session*> sessions) : owner_(owner), sessions_(std::move(sessions)) {}
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    CancelOnStop* owner_;
    std::vector<pg::Session*> sessions_;
  };
  Guard Watch(std::initializer_list<pg::Session*> sessions);

 private:
  std::function<bool()> stop_;
  std::mutex mu_;
  std::condition_variable wake_;    // the destructor ends the wait at once
  std::vector<pg::Session*> live_;  // guarded by mu_
  bool done_ = false;               // guarded by mu_
  std::thread watcher_;
};

}  // namespace pgferry
