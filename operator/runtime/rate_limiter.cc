#include "operator/runtime/rate_limiter.h"

#include <cmath>

namespace pgferry::runtime {

ItemExponentialBackoff::ItemExponentialBackoff(Duration base, Duration max)
    : base_(base), max_(max) {}

ItemExponentialBackoff::Duration ItemExponentialBackoff::When(const std::string& key) {
  int exponent = failures_[key]++;
  // In floating point first: 2^exponent overflows any integer long before the cap stops mattering.
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, exponent);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialBackoff::Forget(const std::string& key) { failures_.erase(key); }

int ItemExponentialBackoff::NumRequeues(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace pgferry::runtime
