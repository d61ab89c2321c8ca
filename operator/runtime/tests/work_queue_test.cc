// WorkQueue: de-duplication, one worker per key, deferred re-adds, delays, backoff, shutdown.
#include "operator/runtime/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkQueueTest : public ::testing::Test {
 protected:
  WorkQueue::Options Options() {
    WorkQueue::Options options;
    options.clock = &clock_;
    return options;
  }
  FakeClock clock_;
};

TEST_F(WorkQueueTest, HandsOutAKeyAddedSeveralTimesOnce) {
  WorkQueue queue(Options());
  queue.Add("ns/a");
  queue.Add("ns/b");
  queue.Add("ns/a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.TryGet(), "ns/a");
  EXPECT_EQ(queue.TryGet(), "ns/b");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, NeverHandsAKeyInProcessingToASecondWorker) {
  WorkQueue queue(Options());
  queue.Add("ns/a");
  ASSERT_EQ(queue.TryGet(), "ns/a");

  queue.Add("ns/a");  // an event while the first worker reconciles
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "a second worker must not get ns/a now";
  queue.Add("ns/a");  // and another: still one pending reconcile

  queue.Done("ns/a");
  EXPECT_EQ(queue.TryGet(), "ns/a") << "the re-add deferred until Done is queued now";
  queue.Done("ns/a");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, DoneWithoutReAddLeavesNothingQueued) {
  WorkQueue queue(Options());
  queue.Add("ns/a");
  ASSERT_EQ(queue.TryGet(), "ns/a");
  queue.Done("ns/a");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, ConcurrentWorkersNeverOverlapOnOneKey) {
  WorkQueue queue;  // real clock: real threads contend here
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        if (inside.fetch_add(1) != 0) ++overlaps;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        inside.fetch_sub(1);
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    queue.Add("ns/only");
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  // Let the last deferred re-add finish, then stop.
  for (int i = 0; i < 500 && (queue.Len() > 0 || inside.load() > 0); ++i)
    std::this_thread::sleep_for(milliseconds(2));
  queue.ShutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LE(processed.load(), 200);
}

TEST_F(WorkQueueTest, AddAfterQueuesKeysInTheOrderTheirDelaysEnd) {
  WorkQueue queue(Options());
  queue.AddAfter("ns/late", seconds(30));
  queue.AddAfter("ns/early", seconds(5));
  queue.AddAfter("ns/middle", seconds(10));
  EXPECT_EQ(queue.NumWaiting(), 3u);
  EXPECT_EQ(queue.TryGet(), std::nullopt);

  clock_.Advance(seconds(5));
  EXPECT_EQ(queue.TryGet(), "ns/early");
  EXPECT_EQ(queue.TryGet(), std::nullopt);

  clock_.Advance(seconds(30));
  EXPECT_EQ(queue.TryGet(), "ns/middle");
  EXPECT_EQ(queue.TryGet(), "ns/late");
}

TEST_F(WorkQueueTest, AddAfterKeepsTheEarlierTimeForAKeyAlreadyWaiting) {
  WorkQueue queue(Options());
  queue.AddAfter("ns/a", seconds(30));
  queue.AddAfter("ns/a", seconds(5));
  queue.AddAfter("ns/a", seconds(60));
  EXPECT_EQ(queue.NumWaiting(), 1u);
  clock_.Advance(seconds(5));
  EXPECT_EQ(queue.TryGet(), "ns/a");
  queue.Done("ns/a");
  clock_.Advance(seconds(60));
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "the later requests were folded into the first";
}

TEST_F(WorkQueueTest, AddAfterWithoutDelayQueuesAtOnce) {
  WorkQueue queue(Options());
  queue.AddAfter("ns/a", milliseconds(0));
  EXPECT_EQ(queue.TryGet(), "ns/a");
}

TEST_F(WorkQueueTest, BlockedGetWakesWhenTheDelayEnds) {
  WorkQueue queue(Options());
  queue.AddAfter("ns/a", seconds(10));
  std::optional<std::string> got;
  std::thread worker([&] { got = queue.Get(); });
  clock_.Advance(seconds(9));
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_FALSE(got.has_value());
  clock_.Advance(seconds(1));
  worker.join();
  EXPECT_EQ(got, "ns/a");
}

TEST_F(WorkQueueTest, RateLimitedAddsBackOffPerKeyAndForgetResets) {
  WorkQueue queue(Options());
  auto next_delay = [&](const std::string& key) {
    // How long until the key becomes ready, found by stepping the clock 1 ms at a time.
    queue.AddRateLimited(key);
    for (int ms = 0; ms <= 1000; ++ms) {
      if (auto got = queue.TryGet()) {
        queue.Done(*got);
        return ms;
      }
      clock_.Advance(milliseconds(1));
    }
    return -1;
  };
  EXPECT_EQ(next_delay("ns/a"), 5);
  EXPECT_EQ(next_delay("ns/a"), 10);
  EXPECT_EQ(next_delay("ns/a"), 20);
  EXPECT_EQ(next_delay("ns/b"), 5) << "keys back off independently";
  EXPECT_EQ(queue.NumRequeues("ns/a"), 3);
  queue.Forget("ns/a");
  EXPECT_EQ(queue.NumRequeues("ns/a"), 0);
  EXPECT_EQ(next_delay("ns/a"), 5);
}

TEST_F(WorkQueueTest, ShutDownWakesWaitingWorkersAndRefusesNewWork) {
  WorkQueue queue(Options());
  std::vector<std::thread> workers;
  std::atomic<int> returned{0};
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      EXPECT_EQ(queue.Get(), std::nullopt);
      ++returned;
    });
  }
  std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(returned.load(), 0);
  queue.ShutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(returned.load(), 3);
  EXPECT_TRUE(queue.ShuttingDown());
  queue.Add("ns/a");
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_EQ(queue.Get(), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownDropsQueuedKeysButLetsRunningWorkFinish) {
  WorkQueue queue(Options());
  queue.Add("ns/a");
  queue.Add("ns/b");
  ASSERT_EQ(queue.TryGet(), "ns/a");
  queue.ShutDown();
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  queue.Done("ns/a");  // the running reconcile still ends normally
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, ReportsUnfinishedWork) {
  WorkQueue queue(Options());
  queue.Add("ns/a");
  queue.Add("ns/b");
  ASSERT_TRUE(queue.TryGet());
  clock_.Advance(seconds(2));
  ASSERT_TRUE(queue.TryGet());
  clock_.Advance(seconds(1));
  double total = 0, longest = 0;
  queue.UnfinishedWork(&total, &longest);
  EXPECT_DOUBLE_EQ(total, 4.0);
  EXPECT_DOUBLE_EQ(longest, 3.0);
}

}  // namespace
}  // namespace pgferry::runtime
