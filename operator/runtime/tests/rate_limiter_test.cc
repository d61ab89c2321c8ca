// ItemExponentialBackoff: 5 ms doubling to the 1000 s cap, per key, reset by Forget.
#include "operator/runtime/rate_limiter.h"

#include <gtest/gtest.h>

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ItemExponentialBackoffTest, DoublesFromFiveMillisecondsPerFailure) {
  ItemExponentialBackoff backoff;
  EXPECT_EQ(backoff.When("k"), milliseconds(5));
  EXPECT_EQ(backoff.When("k"), milliseconds(10));
  EXPECT_EQ(backoff.When("k"), milliseconds(20));
  EXPECT_EQ(backoff.When("k"), milliseconds(40));
  EXPECT_EQ(backoff.NumRequeues("k"), 4);
}

TEST(ItemExponentialBackoffTest, StopsAtTheCapAndStaysThere) {
  ItemExponentialBackoff backoff;
  ItemExponentialBackoff::Duration last{};
  for (int i = 0; i < 18; ++i) last = backoff.When("k");
  EXPECT_EQ(last, milliseconds(655360));  // 5 ms * 2^17: the last step below the cap
  EXPECT_EQ(backoff.When("k"), seconds(1000));
  for (int i = 0; i < 2000; ++i) backoff.When("k");  // 2^2000 must not overflow into nonsense
  EXPECT_EQ(backoff.When("k"), seconds(1000));
}

TEST(ItemExponentialBackoffTest, ForgetStartsAKeyOverWithoutTouchingOthers) {
  ItemExponentialBackoff backoff;
  backoff.When("a");
  backoff.When("a");
  backoff.When("b");
  backoff.Forget("a");
  EXPECT_EQ(backoff.NumRequeues("a"), 0);
  EXPECT_EQ(backoff.When("a"), milliseconds(5));
  EXPECT_EQ(backoff.When("b"), milliseconds(10));
}

TEST(ItemExponentialBackoffTest, HonoursCustomBaseAndCap) {
  ItemExponentialBackoff backoff(milliseconds(100), milliseconds(250));
  EXPECT_EQ(backoff.When("k"), milliseconds(100));
  EXPECT_EQ(backoff.When("k"), milliseconds(200));
  EXPECT_EQ(backoff.When("k"), milliseconds(250));
}

}  // namespace
}  // namespace pgferry::runtime
