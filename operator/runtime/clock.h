// Clock: the runtime's source of time, so tests can move time by hand instead of sleeping.
//
// Now() is monotonic: durations, queue deadlines and lease expiry as this process observes it.
// WallNow() is calendar time, for timestamps written into objects (a Lease's renewTime).
// WaitUntil blocks on a condition variable until it is notified or `deadline` passes in this
// clock's time; like any condition-variable wait it may also return early, so callers re-check
// their state in a loop.
//
// SystemClock is the real clock. FakeClock stands still until Advance() moves it, and wakes the
// threads waiting in WaitUntil when it does. Both are thread-safe. Clock::Real() returns a
// process-wide SystemClock that is never destroyed; components take a Clock* (nullptr = Real())
// that must outlive them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

namespace pgferry::runtime {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // REQUIRES: `lock` holds the mutex that guards the state `cv` signals about.
  // TimePoint::max() waits for a notification only.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;

  static Clock* Real();
};

class SystemClock : public Clock {
 public:
  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
};

class FakeClock : public Clock {
 public:
  // Starts at an arbitrary monotonic point and at `wall` calendar time.
  explicit FakeClock(std::chrono::system_clock::time_point wall =
                         std::chrono::system_clock::time_point(std::chrono::hours(480000)));

  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;

  // Moves both clocks forward and wakes every waiter so it can look at the new time.
  void Advance(Duration by);

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::chrono::system_clock::time_point wall_;
  mutable std::multiset<std::condition_variable*> waiters_;
};

}  // namespace pgferry::runtime
