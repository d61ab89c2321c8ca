// Two LeaderElectors, each with its own HttpKubeClient, against tests/fake-apiserver: one leads,
// the other takes over at once after a release, or after the lease expires when the leader dies.
// Real time with short durations (lease 2 s, retry 100 ms); skipped when fake-apiserver is absent.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "operator/kube/http_kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/runtime/leader_elector.h"
#include "operator/kube/tests/integration/fake_apiserver_process.h"

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LeaderElectionIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kube::testing::FakeApiServerProcess::Binary().empty()) GTEST_SKIP() << "fake-apiserver not built";
    ASSERT_TRUE(server_.Start({}).ok());
    Result<kube::KubeConfig> config = kube::LoadKubeconfigFiles({server_.kubeconfig_path()});
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    for (auto* client : {&client_a_, &client_b_, &observer_}) {
      auto made = kube::HttpKubeClient::FromConfig(*config);
      ASSERT_TRUE(made.ok()) << made.status().ToString();
      *client = std::move(made).value();
    }
  }

  LeaderElector::Options Options(const std::string& identity, bool release_on_stop = true) {
    LeaderElector::Options options;
    options.lease_namespace = "default";
    options.lease_name = "pgferry-it-leader";
    options.identity = identity;
    options.lease_duration = seconds(2);
    options.renew_deadline = milliseconds(1500);
    options.retry_period = milliseconds(100);
    options.release_on_stop = release_on_stop;
    options.log = [](std::string_view) {};
    return options;
  }

  kube::Json Lease() {
    auto lease = observer_->Get(kube::LeasesResource(), "default", "pgferry-it-leader");
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    return lease.ok() ? *lease : kube::Json();
  }

  template <typename F>
  static bool Within(milliseconds limit, F condition) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return condition();
  }

  kube::testing::FakeApiServerProcess server_;
  std::unique_ptr<kube::HttpKubeClient> client_a_, client_b_, observer_;
};

TEST_F(LeaderElectionIntegrationTest, OneLeadsAndTheOtherTakesOverAtOnceAfterRelease) {
  std::atomic<int> leaders{0};
  std::atomic<int> most{0};
  auto callbacks = [&] {
    LeaderElector::Callbacks c;
    c.on_started_leading = [&] { most = std::max(most.load(), ++leaders); };
    c.on_stopped_leading = [&](bool) { --leaders; };
    return c;
  };
  LeaderElector a(client_a_.get(), Options("replica-a"), callbacks());
  LeaderElector b(client_b_.get(), Options("replica-b"), callbacks());
  std::stop_source stop_a, stop_b;
  std::thread run_a([&] { a.Run(stop_a.get_token()); });
  ASSERT_TRUE(Within(seconds(10), [&] { return a.IsLeader(); }));
  std::thread run_b([&] { b.Run(stop_b.get_token()); });

  // Several renew periods, and several lease durations' worth of b's attempts: a keeps it.
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(b.LeaderIdentity(), "replica-a");
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "replica-a");

  auto released = std::chrono::steady_clock::now();
  stop_a.request_stop();
  run_a.join();
  ASSERT_TRUE(Within(seconds(10), [&] { return b.IsLeader(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - released, milliseconds(1500))
      << "after a release b must not wait for the 2 s lease to expire";
  kube::Json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "replica-b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(most.load(), 1) << "never two leaders at once";

  stop_b.request_stop();
  run_b.join();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "");
}

TEST_F(LeaderElectionIntegrationTest, TheOtherTakesOverAfterTheLeaseExpiresWhenTheLeaderDies) {
  LeaderElector a(client_a_.get(), Options("replica-a", /*release_on_stop=*/false));
  LeaderElector b(client_b_.get(), Options("replica-b"));
  std::stop_source stop_a, stop_b;
  std::thread run_a([&] { a.Run(stop_a.get_token()); });
  ASSERT_TRUE(Within(seconds(10), [&] { return a.IsLeader(); }));
  std::thread run_b([&] { b.Run(stop_b.get_token()); });
  ASSERT_TRUE(Within(seconds(5), [&] { return b.LeaderIdentity() == "replica-a"; }));

  auto died = std::chrono::steady_clock::now();
  stop_a.request_stop();  // stops renewing without releasing: a crash, as far as b can tell
  run_a.join();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "replica-a");
  ASSERT_TRUE(Within(seconds(10), [&] { return b.IsLeader(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - died, milliseconds(1800))
      << "b must wait out the lease it last saw renewed";
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "replica-b");
  stop_b.request_stop();
  run_b.join();
}

}  // namespace
}  // namespace pgferry::runtime
