// `pgferry operator` with the in-cluster configuration, as in a pod: KUBERNETES_SERVICE_HOST/PORT
// and a service-account folder (token, ca.crt, namespace; PGFERRY_SERVICE_ACCOUNT_DIR points at a
// temporary one) against fake-apiserver's HTTPS endpoint with a bearer token. A wrong token
// makes the operator exit non-zero with a message that says so; a bad flag exits 2.
#include <gmock/gmock.h>
#include <stdlib.h>

#include <filesystem>

#include "tests/e2e/operator_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

const char kSecret[] =
    "apiVersion: v1\nkind: Secret\nmetadata: {name: orders-pg}\n"
    "stringData: {username: app, password: s3cret}\n";
const char kMigration[] =
    "apiVersion: pgferry.io/v1alpha1\nkind: PgMigration\nmetadata: {name: orders}\nspec:\n"
    "  source: {host: 127.0.0.1, port: 1, sslMode: disable, credentialsSecretRef: {name: "
    "orders-pg}}\n"
    "  destination: {host: 127.0.0.1, port: 2, sslMode: disable, "
    "credentialsSecretRef: {name: orders-pg}}\n";

class InClusterTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    if (HasFatalFailure()) return;
    sa_dir_ = Scratch("serviceaccount");
    std::filesystem::create_directories(sa_dir_);
    WriteFile(sa_dir_ + "/ca.crt", server_->ca_pem());
    WriteFile(sa_dir_ + "/namespace", "default\n");
    setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()).c_str(), 1);
    setenv("PGFERRY_SERVICE_ACCOUNT_DIR", sa_dir_.c_str(), 1);
    setenv("HOME", dir_.c_str(), 1);  // no ~/.kube/config to fall back on
    unsetenv("KUBECONFIG");
  }
  fakeapi::FakeApiServerOptions ServerOptions() override {
    fakeapi::FakeApiServerOptions options;  // kubectl's kubeconfig carries the token and the CA
    options.tls = true;
    options.token = "sa-token";
    return options;
  }
  void TearDown() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    unsetenv("PGFERRY_SERVICE_ACCOUNT_DIR");
    OperatorTest::TearDown();
  }
  std::unique_ptr<OperatorProcess> StartInCluster(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--metrics-bind-address",
                                     "0",
                                     "--health-probe-bind-address",
                                     "127.0.0.1:0",
                                     "--log-level",
                                     "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<OperatorProcess>(args, dir_);
  }
  std::string sa_dir_;
};

TEST_F(InClusterTest, WorksOverHttpsWithTheServiceAccountToken) {
  WriteFile(sa_dir_ + "/token", "sa-token\n");
  ASSERT_EQ(Kubectl({"create", "namespace", "team-b"}).exit_code, 0);
  // Watching two namespaces: one informer per namespace and resource.
  auto op = StartInCluster({"--namespace", "default,team-b"});
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();
  EXPECT_THAT(op->log(), HasSubstr("namespaces=default,team-b"));
  EXPECT_THAT(op->log(), HasSubstr("config=\"in-cluster service account\""));
  EXPECT_THAT(op->log(), HasSubstr("server=https://127.0.0.1:"));

  // A PgMigration whose Secret does not exist: Stalled, with the reason, and retried.
  CommandResult r = Apply(kMigration);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"wait", "--for=condition=Stalled", "pgm/orders", "--timeout=30s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << op->log();
  EXPECT_EQ(JsonPath("orders", ".status.conditions[?(@.type==\"Stalled\")].reason"),
            "SecretNotFound");
  EXPECT_THAT(JsonPath("orders", ".status.conditions[?(@.type==\"Stalled\")].message"),
              HasSubstr("spec.source.credentialsSecretRef: Secret \"orders-pg\" not found"));
  EXPECT_EQ(JsonPath("orders", ".metadata.finalizers[0]"), "pgferry.io/cleanup");
  EXPECT_THAT(Kubectl({"describe", "pgm", "orders"}).out, HasSubstr("SecretNotFound"));

  // The Secret appears: the PgMigration is reconciled again at once (Secrets are watched), the
  // credentials are found, and it fails further on: no server listens on ports 1 and 2.
  r = Apply(kSecret);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"wait", "--for=condition=Validated=false", "pgm/orders", "--timeout=30s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << op->log();
  EXPECT_THAT(JsonPath("orders", ".status.error"), HasSubstr("source"));
  EXPECT_EQ(JsonPath("orders", ".status.phase"), "Failed");

  // Deleting it: validation never passed, nothing was created, so the finalizer goes at once.
  r = Kubectl({"delete", "pgm", "orders", "--timeout=30s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << op->log();
  EXPECT_EQ(op->Terminate(), 0) << op->log();
  EXPECT_THAT(op->log(), ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(InClusterTest, AWrongTokenStopsTheOperatorWithAClearMessage) {
  WriteFile(sa_dir_ + "/token", "not-the-token\n");
  auto op = StartInCluster();
  auto code = op->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << op->log();
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(op->log(), HasSubstr("rejected pgferry's credentials (401 Unauthorized)"));
  EXPECT_THAT(op->log(), ::testing::Not(HasSubstr("not-the-token")));
}

TEST_F(InClusterTest, AWrongCaStopsTheOperatorWithAClearMessage) {
  WriteFile(sa_dir_ + "/token", "sa-token\n");
  CommandResult r = RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                "-keyout", Scratch("other-ca.key"), "-out", sa_dir_ + "/ca.crt",
                                "-days", "2", "-subj", "/CN=some other CA"},
                               dir_);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto op = StartInCluster();
  auto code = op->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << op->log();
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(op->log(), HasSubstr("certificate verify failed"));
  EXPECT_THAT(op->log(), HasSubstr("https://127.0.0.1:" + std::to_string(server_->port())));
}

TEST_F(InClusterTest, BadFlagsExitTwo) {
  OperatorProcess unknown({"--no-such-flag"}, dir_);
  EXPECT_EQ(unknown.Wait(std::chrono::seconds(10)), 2);
  EXPECT_THAT(unknown.log(), HasSubstr("unknown flag --no-such-flag"));
  OperatorProcess level({"--log-level", "loud"}, dir_);
  EXPECT_EQ(level.Wait(std::chrono::seconds(10)), 2);
  EXPECT_THAT(level.log(), HasSubstr("--log-level"));
  OperatorProcess workers({"--max-concurrent-migrations", "0"}, dir_);
  EXPECT_EQ(workers.Wait(std::chrono::seconds(10)), 2);
  OperatorProcess help({"--help"}, dir_);
  EXPECT_EQ(help.Wait(std::chrono::seconds(10)), 0);
  EXPECT_THAT(help.log(), HasSubstr("--leader-election-namespace NS"));
}

}  // namespace
}  // namespace pgferry::e2e
