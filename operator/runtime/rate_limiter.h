// ItemExponentialBackoff: how long a key waits before its next retry after failures.
//
// client-go's per-item exponential rate limiter: the n-th consecutive failure of a key waits
// base * 2^(n-1), capped at `max` (5 ms doubling up to 1000 s by default, so the cap is reached
// after about 18 failures). Forget() clears a key's history once it has been handled without
// error. Keys are counted independently: one key failing never slows another down.
//
// Not thread-safe; WorkQueue owns one and serialises calls to it under its own lock.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace pgferry::runtime {

class ItemExponentialBackoff {
 public:
  using Duration = std::chrono::nanoseconds;

  static constexpr Duration kDefaultBase = std::chrono::milliseconds(5);
  static constexpr Duration kDefaultMax = std::chrono::seconds(1000);

  explicit ItemExponentialBackoff(Duration base = kDefaultBase, Duration max = kDefaultMax);

  // Records one more failure of `key` and returns the delay before it may be retried.
  Duration When(const std::string& key);
  // Clears the failures of `key`.
  void Forget(const std::string& key);
  // The number of failures recorded for `key` since it was last forgotten.
  int NumRequeues(const std::string& key) const;

 private:
  Duration base_;
  Duration max_;
  std::map<std::string, int> failures_;
};

}  // namespace pgferry::runtime
