// Two `pgferry operator --leader-elect` processes against one fake-apiserver: only the holder of
// the Lease "pgferry-operator" reconciles; when it is killed (SIGKILL: no release) the other
// takes over once the lease expires; a SIGTERM'd leader releases the Lease. No PostgreSQL is
// needed: the PgMigration points at a closed port, so every reconcile ends Stalled.
#include <gmock/gmock.h>

#include <thread>

#include "tests/e2e/operator_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char kUnreachable[] =
    "apiVersion: v1\nkind: Secret\nmetadata: {name: lonely-pg}\nstringData: {username: u, "
    "password: "
    "never-logged}\n---\n"
    "apiVersion: pgferry.io/v1alpha1\nkind: PgMigration\nmetadata: {name: lonely}\nspec:\n"
    "  source: {host: 127.0.0.1, port: 1, sslMode: disable, connectTimeoutSeconds: 2, "
    "credentialsSecretRef: {name: lonely-pg}}\n"
    "  destination: {host: 127.0.0.1, port: 2, sslMode: disable, connectTimeoutSeconds: 2, "
    "credentialsSecretRef: {name: lonely-pg}}\n";

class LeaderElectionTest : public OperatorTest {
 protected:
  std::unique_ptr<OperatorProcess> Start() {
    return StartOperator(
        {"--leader-elect", "--leader-election-namespace", "default",
         "--leader-election-lease-duration", "4s", "--leader-election-renew-deadline", "3s",
         "--leader-election-retry-period", "500ms", "--failed-retry-interval", "1s"});
  }
  std::string Holder() {
    return Kubectl({"get", "lease", "pgferry-operator", "-n", "default", "-o",
                    "jsonpath={.spec.holderIdentity}"})
        .out;
  }
};

TEST_F(LeaderElectionTest, OnlyTheLeaderActsAndTheOtherTakesOver) {
  auto a = Start();
  ASSERT_TRUE(a->WaitForLog("Acquired leadership", std::chrono::seconds(30))) << a->log();
  auto b = Start();
  ASSERT_TRUE(b->WaitForLog("Attempting to acquire leader lease", std::chrono::seconds(30)))
      << b->log();
  ASSERT_FALSE(a->Identity().empty());
  EXPECT_NE(a->Identity(), b->Identity());
  EXPECT_EQ(Holder(), a->Identity());

  ASSERT_EQ(Apply(kUnreachable).exit_code, 0);
  CommandResult r = Kubectl({"wait", "--for=condition=Stalled", "pgm/lonely", "--timeout=60s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << a->log();
  EXPECT_TRUE(a->WaitForLog("Reconciling key=default/lonely", std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // several retries, still only `a`
  EXPECT_THAT(b->log(), Not(HasSubstr("Reconciling key=")));
  EXPECT_THAT(b->log(), Not(HasSubstr("Acquired leadership")));
  std::string body;
  EXPECT_EQ(HttpGet(b->ProbePort(), "/readyz", &body), 200) << body;  // a standby is ready too
  EXPECT_THAT(JsonPath("lonely", ".status.conditions[?(@.type==\"Stalled\")].message"),
              HasSubstr("source"));
  EXPECT_THAT(a->log() + Kubectl({"get", "pgm", "lonely", "-o", "yaml"}).out,
              Not(HasSubstr("never-logged")));

  // The leader dies without releasing the Lease: `b` takes over once it expires.
  a->Kill();
  ASSERT_TRUE(b->WaitForLog("Acquired leadership", std::chrono::seconds(20))) << b->log();
  EXPECT_EQ(Holder(), b->Identity());
  EXPECT_TRUE(b->WaitForLog("Reconciling key=default/lonely", std::chrono::seconds(10)))
      << b->log();

  // A SIGTERM'd leader hands the Lease back at once.
  EXPECT_EQ(b->Terminate(), 0) << b->log();
  EXPECT_THAT(b->log(), HasSubstr("Released leader lease"));
  EXPECT_EQ(Holder(), "");
}

}  // namespace
}  // namespace pgferry::e2e
