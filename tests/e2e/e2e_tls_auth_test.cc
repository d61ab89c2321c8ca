// The TLS + bearer token mode: kubectl with the generated kubeconfig (CA inlined) works, a wrong
// token is refused as Unauthorized; and the fake-apiserver executable serves the same until it
// receives SIGTERM.
#include <gmock/gmock.h>
#include <signal.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

TEST_F(KubeTest, KubectlWorksOverTlsWithTheToken) {
  fakeapi::FakeApiServerOptions options;
  options.tls = true;
  options.token = "e2e-token";
  StartServer(options);
  EXPECT_THAT(server_->url(), ::testing::StartsWith("https://127.0.0.1:"));
  std::string kubeconfig = ReadFile(kubeconfig_);
  EXPECT_THAT(kubeconfig, HasSubstr("certificate-authority-data: "));
  EXPECT_THAT(kubeconfig, HasSubstr("token: e2e-token"));
  EXPECT_THAT(ReadFile(kubeconfig_ + ".ca.crt"), HasSubstr("-----BEGIN CERTIFICATE-----"));

  InstallCrd();
  CommandResult r = Apply(SampleMigration("orders"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"get", "pgm", "orders", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/orders\n") << r.all();
  for (const auto& rec : server_->AuditRecords()) {
    EXPECT_EQ(rec.code == 401, false) << rec.path;
  }
}

TEST_F(KubeTest, AWrongTokenIsUnauthorized) {
  fakeapi::FakeApiServerOptions options;
  options.tls = true;
  options.token = "right";
  StartServer(options);
  ASSERT_EQ(Kubectl({"get", "namespaces"}).exit_code, 0);  // warms the discovery cache

  ASSERT_TRUE(server_->WriteKubeconfig(kubeconfig_, std::string("wrong")).ok());
  CommandResult r = Kubectl({"get", "namespaces"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: You must be logged in to the server (Unauthorized)"));

  // With a cold cache the failure comes from discovery; kubectl words it differently.
  cache_dir_ = Scratch("cold-cache");
  r = Kubectl({"get", "pgm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("You must be logged in to the server"));
}

TEST_F(KubeTest, ExecutableServesUntilSigterm) {
  std::string kubeconfig = Scratch("exe-kubeconfig");
  std::string audit = Scratch("audit.jsonl");
  BackgroundCommand server({PGFERRY_FAKE_APISERVER, "--port", "0", "--kubeconfig-out", kubeconfig,
                            "--tls", "--token", "t0k3n", "--audit-log", audit},
                           dir_);
  ASSERT_TRUE(server.WaitForOutput("https://127.0.0.1:", std::chrono::seconds(20))) << server.err();
  std::string url = server.out().substr(0, server.out().find('\n'));
  EXPECT_THAT(ReadFile(kubeconfig), HasSubstr("server: " + url));
  EXPECT_THAT(ReadFile(kubeconfig + ".ca.crt"), HasSubstr("BEGIN CERTIFICATE"));

  kubeconfig_ = kubeconfig;
  cache_dir_ = Scratch("exe-cache");
  CommandResult r = Kubectl({"apply", "-f", SourceDir() + "/crds/"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"get", "crd", "-o", "name"});
  EXPECT_THAT(r.out, HasSubstr("customresourcedefinition.apiextensions.k8s.io/pgmigrations.pgferry.io"));
  std::string lines = ReadFile(audit);
  EXPECT_THAT(lines, HasSubstr(R"("apiGroup":"apiextensions.k8s.io")"));
  EXPECT_THAT(lines, HasSubstr(R"("resource":"customresourcedefinitions")"));
  EXPECT_THAT(lines, HasSubstr(R"("verb":"create")"));

  kill(server.pid(), SIGTERM);
  auto code = server.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace pgferry::e2e
