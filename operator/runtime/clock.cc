#include "operator/runtime/clock.h"

namespace pgferry::runtime {

Clock* Clock::Real() {
  static SystemClock* clock = new SystemClock();  // never destroyed: threads may outlive main
  return clock;
}

Clock::TimePoint SystemClock::Now() const { return std::chrono::steady_clock::now(); }

std::chrono::system_clock::time_point SystemClock::WallNow() const {
  return std::chrono::system_clock::now();
}

void SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            TimePoint deadline) const {
  if (deadline == TimePoint::max()) {
    cv.wait(lock);
  } else {
    cv.wait_until(lock, deadline);
  }
}

FakeClock::FakeClock(std::chrono::system_clock::time_point wall)
    : now_(TimePoint(std::chrono::hours(1000))), wall_(wall) {}

Clock::TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

std::chrono::system_clock::time_point FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  if (deadline == TimePoint::max()) {
    cv.wait(lock);
    return;
  }
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (now_ >= deadline) return;
    waiters_.insert(&cv);
  }
  // Advance notifies without holding the waiter's mutex, so a notification can land between the
  // check above and this wait; the short real-time bound makes such a miss cost a millisecond.
  cv.wait_for(lock, std::chrono::milliseconds(1));
  std::lock_guard<std::mutex> guard(mu_);
  waiters_.erase(waiters_.find(&cv));
}

void FakeClock::Advance(Duration by) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += by;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
  for (std::condition_variable* cv : waiters_) cv->notify_all();
}

}  // namespace pgferry::runtime
