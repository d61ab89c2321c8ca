#include "operator/runtime/leader_elector.h"

#include <unistd.h>

#include <cstdio>
#include <random>

namespace pgferry::runtime {
namespace {

constexpr int kAttemptsOnConflict = 3;

bool IsConflict(const Status& status) {
  return status.code() == StatusCode::kConflict || status.code() == StatusCode::kAlreadyExists;
}

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, 8, "pgferry");
  std::random_device random;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", random(), random());
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(kube::KubeClient* client, Options options, Callbacks callbacks)
    : client_(client),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {
  if (options_.identity.empty()) options_.identity = DefaultLeaderIdentity();
}

std::string LeaderElector::LeaderIdentity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_identity_;
}

void LeaderElector::Log(const std::string& line) {
  if (options_.log)
    options_.log(line + " lease=" + LogValue(options_.lease_namespace + "/" + options_.lease_name) +
                 " identity=" + LogValue(options_.identity));
}

void LeaderElector::Observe(const nlohmann::json& lease) {
  nlohmann::json spec = lease.is_object() && lease.contains("spec") ? lease["spec"] : nullptr;
  LeaseRecord record = LeaseRecordFromLease(lease);
  if (!observed_any_ || spec != observed_spec_) observed_time_ = clock_->Now();
  bool holder_changed = !observed_any_ || record.holder_identity != observed_.holder_identity;
  observed_any_ = true;
  observed_spec_ = std::move(spec);
  observed_ = record;
  if (!holder_changed) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader_identity_ = record.holder_identity;
  }
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(record.holder_identity);
}

LeaderElector::Outcome LeaderElector::AttemptOnce(bool* conflict) {
  *conflict = false;
  const kube::Resource leases = kube::LeasesResource();
  const auto wall = clock_->WallNow();
  LeaseRecord next;
  next.holder_identity = options_.identity;
  next.lease_duration_seconds = static_cast<int>(options_.lease_duration.count());
  next.acquire_time = wall;
  next.renew_time = wall;

  Result<nlohmann::json> current =
      client_->Get(leases, options_.lease_namespace, options_.lease_name);
  if (!current.ok() && current.status().code() == StatusCode::kNotFound) {
    Result<nlohmann::json> created =
        client_->Create(leases, MakeLease(options_.lease_namespace, options_.lease_name, next));
    if (!created.ok()) {
      *conflict = IsConflict(created.status());  // another replica created it first
      if (!*conflict) Log("Failed to create lease error=" + LogValue(created.status().ToString()));
      return Outcome::kFailed;
    }
    Observe(*created);
    return Outcome::kLeading;
  }
  if (!current.ok()) {
    Log("Failed to get lease error=" + LogValue(current.status().ToString()));
    return Outcome::kFailed;
  }

  Observe(*current);
  bool mine = observed_.holder_identity == options_.identity;
  if (!observed_.holder_identity.empty() && !mine) {
    std::chrono::seconds duration = observed_.lease_duration_seconds > 0
                                        ? std::chrono::seconds(observed_.lease_duration_seconds)
                                        : options_.lease_duration;
    if (clock_->Now() < observed_time_ + duration) return Outcome::kHeldByOther;
  }
  if (mine) {
    if (observed_.acquire_time) next.acquire_time = observed_.acquire_time;
    next.lease_transitions = observed_.lease_transitions;
  } else {
    next.lease_transitions = observed_.lease_transitions + 1;  // a takeover
  }
  nlohmann::json lease = std::move(*current);  // keeps metadata.resourceVersion: conditional
  WriteLeaseRecord(next, &lease);
  Result<nlohmann::json> updated = client_->Update(leases, lease);
  if (!updated.ok()) {
    *conflict = IsConflict(updated.status());
    if (!*conflict) Log("Failed to update lease error=" + LogValue(updated.status().ToString()));
    return Outcome::kFailed;
  }
  if (!mine) Log("Took over lease from previous_holder=" + LogValue(observed_.holder_identity));
  Observe(*updated);
  return Outcome::kLeading;
}

LeaderElector::Outcome LeaderElector::Attempt() {
  Outcome outcome = Outcome::kFailed;
  bool conflict = true;
  for (int i = 0; i < kAttemptsOnConflict && conflict; ++i) outcome = AttemptOnce(&conflict);
  if (outcome == Outcome::kLeading) leader_ = true;
  if (outcome == Outcome::kHeldByOther) leader_ = false;
  return outcome;
}

bool LeaderElector::TryAcquireOrRenew() { return Attempt() == Outcome::kLeading; }

Status LeaderElector::Release() {
  if (!leader_) return Status::Ok();
  const kube::Resource leases = kube::LeasesResource();
  Status last;
  for (int i = 0; i < kAttemptsOnConflict; ++i) {
    Result<nlohmann::json> current =
        client_->Get(leases, options_.lease_namespace, options_.lease_name);
    if (!current.ok() && current.status().code() == StatusCode::kNotFound) {
      leader_ = false;
      return Status::Ok();
    }
    if (!current.ok()) return current.status().Prefixed("releasing lease");
    LeaseRecord record = LeaseRecordFromLease(*current);
    if (record.holder_identity != options_.identity) {  // taken over already
      leader_ = false;
      return Status::Ok();
    }
    const auto wall = clock_->WallNow();
    LeaseRecord released;
    released.lease_duration_seconds = 1;
    released.acquire_time = wall;
    released.renew_time = wall;
    released.lease_transitions = record.lease_transitions;
    nlohmann::json lease = std::move(*current);
    WriteLeaseRecord(released, &lease);
    Result<nlohmann::json> updated = client_->Update(leases, lease);
    if (updated.ok()) {
      leader_ = false;
      Observe(*updated);
      Log("Released lease");
      return Status::Ok();
    }
    last = updated.status();
    if (!IsConflict(last)) break;
  }
  return last.Prefixed("releasing lease");
}

bool LeaderElector::Sleep(std::stop_token stop, std::chrono::milliseconds delay) {
  // Declared before the lock: the callback takes sleep_mu_, and a callback running in another
  // thread is waited for when `wake` is destroyed, which must not happen while we hold it.
  std::stop_callback wake(stop, [this] {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    sleep_cv_.notify_all();
  });
  std::unique_lock<std::mutex> lock(sleep_mu_);
  const Clock::TimePoint deadline = clock_->Now() + delay;
  while (!stop.stop_requested() && clock_->Now() < deadline)
    clock_->WaitUntil(sleep_cv_, lock, deadline);
  return !stop.stop_requested();
}

void LeaderElector::Run(std::stop_token stop) {
  Log("Attempting to acquire leader lease");
  if (stop.stop_requested()) return;
  while (Attempt() != Outcome::kLeading) {
    if (!Sleep(stop, options_.retry_period)) return;
  }
  if (stop.stop_requested()) {
    if (options_.release_on_stop) (void)Release();
    return;
  }
  Log("Successfully acquired lease");
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();

  Clock::TimePoint last_renew = clock_->Now();
  bool lost = false;
  while (Sleep(stop, options_.retry_period)) {
    Outcome outcome = Attempt();
    if (outcome == Outcome::kLeading) {
      last_renew = clock_->Now();
    } else if (outcome == Outcome::kHeldByOther) {
      Log("Lost lease: it is held by holder=" + LogValue(observed_.holder_identity));
      lost = true;
      break;
    } else if (clock_->Now() - last_renew >= options_.renew_deadline) {
      Log("Lost lease: could not renew it within the renew deadline");
      lost = true;
      break;
    }
  }
  if (!lost && options_.release_on_stop) {
    Status released = Release();
    if (!released.ok()) Log("Failed to release lease error=" + LogValue(released.ToString()));
  }
  leader_ = false;
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading(lost);
}

}  // namespace pgferry::runtime
