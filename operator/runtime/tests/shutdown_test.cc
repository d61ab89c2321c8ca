// Shutdown: the flag, its waiters and stop token, and SIGTERM turning into a request.
#include "operator/runtime/shutdown.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;

TEST(ShutdownTest, RequestWakesWaitersAndStopsTheToken) {
  Shutdown shutdown;
  std::stop_token token = shutdown.token();
  std::atomic<bool> callback{false};
  std::stop_callback on_stop(token, [&] { callback = true; });
  EXPECT_FALSE(shutdown.requested());
  EXPECT_FALSE(shutdown.WaitFor(milliseconds(1)));

  std::thread waiter([&] { shutdown.Wait(); });
  shutdown.Request("test is over");
  waiter.join();
  EXPECT_TRUE(shutdown.requested());
  EXPECT_TRUE(token.stop_requested());
  EXPECT_TRUE(callback);
  shutdown.Request("second reason");
  EXPECT_EQ(shutdown.reason(), "test is over");
}

TEST(ShutdownTest, SigtermRequestsShutdown) {
  Shutdown shutdown;
  ASSERT_TRUE(shutdown.InstallSignalHandlers().ok());
  Shutdown other;
  EXPECT_EQ(other.InstallSignalHandlers().code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(raise(SIGTERM), 0);
  ASSERT_TRUE(shutdown.WaitFor(std::chrono::seconds(5)));
  EXPECT_EQ(shutdown.reason(), "received SIGTERM");
  EXPECT_TRUE(shutdown.token().stop_requested());
}

TEST(ShutdownTest, HandlersCanBeInstalledAgainAfterTheFirstOwnerIsGone) {
  {
    Shutdown first;
    ASSERT_TRUE(first.InstallSignalHandlers().ok());
  }
  Shutdown second;
  ASSERT_TRUE(second.InstallSignalHandlers().ok());
  ASSERT_EQ(raise(SIGINT), 0);
  ASSERT_TRUE(second.WaitFor(std::chrono::seconds(5)));
  EXPECT_EQ(second.reason(), "received SIGINT");
}

}  // namespace
}  // namespace pgferry::runtime
