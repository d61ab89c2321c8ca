// FakeClock: time moves only by Advance, and waiters wake when it passes their deadline.
#include "operator/runtime/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace pgferry::runtime {
namespace {

using std::chrono::seconds;

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  Clock::TimePoint start = clock.Now();
  auto wall = clock.WallNow();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(seconds(3));
  EXPECT_EQ(clock.Now() - start, seconds(3));
  EXPECT_EQ(clock.WallNow() - wall, seconds(3));
}

TEST(FakeClockTest, WaitUntilReturnsOnceTheDeadlineHasPassed) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  Clock::TimePoint deadline = clock.Now() + seconds(10);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (clock.Now() < deadline) clock.WaitUntil(cv, lock, deadline);
    woke = true;
  });
  clock.Advance(seconds(9));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(woke);
  clock.Advance(seconds(1));
  waiter.join();
  EXPECT_TRUE(woke);
}

}  // namespace
}  // namespace pgferry::runtime
