// LeaderElector against FakeKubeClient: acquire, renew, expiry takeover, release, conflicts.
#include "operator/runtime/leader_elector.h"

#include <gtest/gtest.h>

#include <thread>

#include "operator/runtime/tests/fake_kube_client.h"

namespace pgferry::runtime {
namespace {

using kube::Json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeKubeClient;

// One replica's view of the shared API server; a partition makes every call fail.
class ReplicaClient : public kube::KubeClient {
 public:
  explicit ReplicaClient(FakeKubeClient* server) : server_(server) {}
  void set_partitioned(bool partitioned) { partitioned_ = partitioned; }

  Result<Json> Get(const kube::Resource& r, const std::string& ns, const std::string& n) override {
    if (partitioned_) return Down();
    return server_->Get(r, ns, n);
  }
  Result<Json> List(const kube::Resource& r, const std::string& ns,
                    const kube::ListOptions& o) override {
    if (partitioned_) return Down();
    return server_->List(r, ns, o);
  }
  Result<Json> Create(const kube::Resource& r, const Json& o) override {
    if (partitioned_) return Down();
    return server_->Create(r, o);
  }
  Result<Json> Update(const kube::Resource& r, const Json& o) override {
    if (partitioned_) return Down();
    return server_->Update(r, o);
  }
  Result<Json> UpdateStatus(const kube::Resource& r, const Json& o) override {
    if (partitioned_) return Down();
    return server_->UpdateStatus(r, o);
  }
  Result<Json> Patch(const kube::Resource& r, const std::string& ns, const std::string& n,
                     kube::PatchType t, const Json& p) override {
    if (partitioned_) return Down();
    return server_->Patch(r, ns, n, t, p);
  }
  Result<Json> PatchStatus(const kube::Resource& r, const std::string& ns, const std::string& n,
                           kube::PatchType t, const Json& p) override {
    if (partitioned_) return Down();
    return server_->PatchStatus(r, ns, n, t, p);
  }
  Result<Json> Delete(const kube::Resource& r, const std::string& ns, const std::string& n,
                      const kube::DeleteOptions& o) override {
    if (partitioned_) return Down();
    return server_->Delete(r, ns, n, o);
  }
  Status Watch(const kube::Resource& r, const std::string& ns, const kube::WatchOptions& o,
               std::stop_token stop, const kube::WatchHandler& h) override {
    if (partitioned_) return Down();
    return server_->Watch(r, ns, o, stop, h);
  }

 private:
  static Status Down() { return Unavailable("connection refused"); }
  FakeKubeClient* server_;
  std::atomic<bool> partitioned_{false};
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  LeaderElector::Options Options(const std::string& identity) {
    LeaderElector::Options options;
    options.lease_namespace = "pgferry-system";
    options.lease_name = "pgferry-leader";
    options.identity = identity;
    options.clock = &clock_;
    options.log = [](std::string_view) {};
    return options;
  }
  Json Lease() {
    Result<Json> lease = server_.Get(kube::LeasesResource(), "pgferry-system", "pgferry-leader");
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    return lease.ok() ? *lease : Json();
  }

  FakeClock clock_;
  FakeKubeClient server_;
  ReplicaClient client_a_{&server_};
  ReplicaClient client_b_{&server_};
};

TEST_F(LeaderElectorTest, FirstReplicaCreatesTheLeaseAndLeads) {
  LeaderElector a(&client_a_, Options("a"));
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.IsLeader());
  Json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(lease["spec"]["acquireTime"], FormatMicroTime(clock_.WallNow()));
  EXPECT_EQ(lease["spec"]["renewTime"], FormatMicroTime(clock_.WallNow()));
}

TEST_F(LeaderElectorTest, OnlyOneOfTwoReplicasLeads) {
  LeaderElector a(&client_a_, Options("a"));
  LeaderElector b(&client_b_, Options("b"));
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(b.LeaderIdentity(), "a");
  for (int i = 0; i < 20; ++i) {  // a renews every 2 s; b never gets in
    clock_.Advance(seconds(2));
    EXPECT_TRUE(a.TryAcquireOrRenew());
    EXPECT_FALSE(b.TryAcquireOrRenew());
  }
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "a");
}

TEST_F(LeaderElectorTest, RenewingMovesRenewTimeButKeepsAcquireTime) {
  LeaderElector a(&client_a_, Options("a"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  std::string acquired = Lease()["spec"]["acquireTime"];
  clock_.Advance(seconds(2));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  Json lease = Lease();
  EXPECT_EQ(lease["spec"]["acquireTime"], acquired);
  EXPECT_EQ(lease["spec"]["renewTime"], FormatMicroTime(clock_.WallNow()));
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
}

TEST_F(LeaderElectorTest, TheOtherTakesOverOnlyAfterTheLeaseExpires) {
  LeaderElector a(&client_a_, Options("a"));
  LeaderElector b(&client_b_, Options("b"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());  // b sees the lease now and starts counting

  // a stops renewing (crashed, no release).
  clock_.Advance(seconds(14));
  EXPECT_FALSE(b.TryAcquireOrRenew()) << "14 s after b saw it, a 15 s lease is still valid";
  clock_.Advance(seconds(1));
  EXPECT_TRUE(b.TryAcquireOrRenew());
  Json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease["spec"]["acquireTime"], FormatMicroTime(clock_.WallNow()));

  EXPECT_FALSE(a.TryAcquireOrRenew()) << "the old leader finds the lease taken";
  EXPECT_FALSE(a.IsLeader());
}

TEST_F(LeaderElectorTest, ReleaseLetsTheOtherTakeOverAtOnce) {
  LeaderElector a(&client_a_, Options("a"));
  LeaderElector b(&client_b_, Options("b"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release().ok());
  EXPECT_FALSE(a.IsLeader());
  Json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 1);

  EXPECT_TRUE(b.TryAcquireOrRenew()) << "no waiting for the old lease to expire";
  EXPECT_EQ(Lease()["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, ReleaseWithoutTheLeaseDoesNothing) {
  LeaderElector a(&client_a_, Options("a"));
  LeaderElector b(&client_b_, Options("b"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  EXPECT_TRUE(b.Release().ok());
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "a");
}

TEST_F(LeaderElectorTest, AConflictingWriteIsReReadAndRetried) {
  LeaderElector a(&client_a_, Options("a"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  // Someone (a label edit, say) changes the Lease between a's read and write, once.
  int writes = 0;
  server_.set_fault([&](const std::string& verb, const kube::Resource&) {
    if (verb == "update" && writes++ == 0) {
      Json lease = Lease();
      lease["metadata"]["labels"] = {{"touched", "yes"}};
      server_.set_fault(nullptr);
      EXPECT_TRUE(server_.Update(kube::LeasesResource(), lease).ok());
    }
    return Status::Ok();
  });
  clock_.Advance(seconds(2));
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_EQ(Lease()["spec"]["renewTime"], FormatMicroTime(clock_.WallNow()));
  EXPECT_EQ(Lease()["metadata"]["labels"]["touched"], "yes");
}

TEST_F(LeaderElectorTest, TwoReplicasRacingToCreateProduceOneLeader) {
  LeaderElector a(&client_a_, Options("a"));
  LeaderElector b(&client_b_, Options("b"));
  // b's Create lands first, between a's Get (404) and a's Create.
  bool raced = false;
  server_.set_fault([&](const std::string& verb, const kube::Resource&) {
    if (verb == "create" && !raced) {
      raced = true;
      server_.set_fault(nullptr);
      EXPECT_TRUE(b.TryAcquireOrRenew());
    }
    return Status::Ok();
  });
  EXPECT_FALSE(a.TryAcquireOrRenew());
  EXPECT_TRUE(b.IsLeader());
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "b");
}

// Run with real threads on the fake clock: callbacks, loss by partition, release on stop.
class Events {
 public:
  void Add(const std::string& event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  bool WaitFor(const std::string& event) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(5), [&] {
      return std::find(events_.begin(), events_.end(), event) != events_.end();
    });
  }
  std::vector<std::string> all() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

LeaderElector::Callbacks Record(Events* events, const std::string& who) {
  return {[events, who] { events->Add(who + " started"); },
          [events, who](bool lost) { events->Add(who + (lost ? " lost" : " stopped")); },
          [events, who](const std::string& leader) { events->Add(who + " sees " + leader); }};
}

// Advances the fake clock in small steps until `done`, giving the loops time to run.
template <typename F>
bool AdvanceUntil(FakeClock* clock, F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    clock->Advance(milliseconds(250));
    std::this_thread::sleep_for(milliseconds(1));
  }
  return done();
}

TEST_F(LeaderElectorTest, RunLeadsUntilStoppedThenReleasesForTheOther) {
  Events events;
  LeaderElector a(&client_a_, Options("a"), Record(&events, "a"));
  LeaderElector b(&client_b_, Options("b"), Record(&events, "b"));
  std::stop_source stop_a, stop_b;
  std::thread run_a([&] { a.Run(stop_a.get_token()); });
  ASSERT_TRUE(events.WaitFor("a started"));
  std::thread run_b([&] { b.Run(stop_b.get_token()); });
  ASSERT_TRUE(events.WaitFor("b sees a"));
  EXPECT_TRUE(AdvanceUntil(&clock_, [&] { return server_.calls("update") >= 10; }));
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());

  stop_a.request_stop();
  run_a.join();
  ASSERT_TRUE(events.WaitFor("a stopped"));
  EXPECT_TRUE(AdvanceUntil(&clock_, [&] { return b.IsLeader(); }));
  ASSERT_TRUE(events.WaitFor("b started"));
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "b");

  stop_b.request_stop();
  run_b.join();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "");
}

TEST_F(LeaderElectorTest, ALeaderCutOffFromTheServerGivesUpAfterTheRenewDeadline) {
  Events events;
  LeaderElector a(&client_a_, Options("a"), Record(&events, "a"));
  LeaderElector b(&client_b_, Options("b"), Record(&events, "b"));
  std::stop_source stop_a, stop_b;
  std::thread run_a([&] { a.Run(stop_a.get_token()); });
  ASSERT_TRUE(events.WaitFor("a started"));
  std::thread run_b([&] { b.Run(stop_b.get_token()); });
  ASSERT_TRUE(events.WaitFor("b sees a"));

  client_a_.set_partitioned(true);
  Clock::TimePoint cut = clock_.Now();
  EXPECT_TRUE(AdvanceUntil(&clock_, [&] { return !a.IsLeader(); }));
  ASSERT_TRUE(events.WaitFor("a lost"));
  run_a.join();  // Run returns once leadership is lost
  EXPECT_GE(clock_.Now() - cut, milliseconds(10000)) << "not before the renew deadline";
  EXPECT_LT(clock_.Now() - cut, milliseconds(15000)) << "before the lease can expire for b";

  EXPECT_TRUE(AdvanceUntil(&clock_, [&] { return b.IsLeader(); }));
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "b");
  stop_b.request_stop();
  run_b.join();
}

TEST_F(LeaderElectorTest, RunStoppedBeforeAcquiringReturnsWithoutCallbacks) {
  Events events;
  LeaderElector a(&client_a_, Options("a"));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  LeaderElector b(&client_b_, Options("b"), Record(&events, "b"));
  std::stop_source stop;
  std::thread run_b([&] { b.Run(stop.get_token()); });
  ASSERT_TRUE(events.WaitFor("b sees a"));
  stop.request_stop();
  run_b.join();
  EXPECT_EQ(events.all(), (std::vector<std::string>{"b sees a"}));
}

TEST(DefaultLeaderIdentityTest, IsUniquePerCall) {
  std::string one = DefaultLeaderIdentity();
  EXPECT_NE(one, DefaultLeaderIdentity());
  EXPECT_NE(one.find('_'), std::string::npos);
}

}  // namespace
}  // namespace pgferry::runtime
