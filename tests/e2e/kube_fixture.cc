#include "tests/e2e/kube_fixture.h"

#include <stdlib.h>

#include <filesystem>

namespace pgferry::e2e {

std::string KubeTest::SourceDir() {
  const char* env = getenv("PGFERRY_SOURCE_DIR");
  return env && *env ? env : PGFERRY_SOURCE_DIR;
}

std::string KubeTest::KubectlPath() {
  const char* env = getenv("PGFERRY_KUBECTL");
  return env && *env ? env : PGFERRY_KUBECTL;
}

void KubeTest::SetUp() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pgferry-e2e-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
  StartServer({});
}

void KubeTest::TearDown() {
  if (server_) server_->Stop();
  server_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void KubeTest::StartServer(fakeapi::FakeApiServerOptions options) {
  if (server_) server_->Stop();
  server_ = std::make_unique<fakeapi::FakeApiServer>(options);
  Status s = server_->Start();
  ASSERT_TRUE(s.ok()) << s.message();
  kubeconfig_ = Scratch("kubeconfig");
  ASSERT_TRUE(server_->WriteKubeconfig(kubeconfig_).ok());
  // A fresh discovery cache per server: kubectl would otherwise trust stale discovery.
  cache_dir_ = Scratch("cache-" + std::to_string(server_->port()));
}

CommandResult KubeTest::Kubectl(const std::vector<std::string>& args,
                                const std::string& stdin_text) {
  std::vector<std::string> argv = {KubectlPath(), "--kubeconfig", kubeconfig_, "--cache-dir",
                                   cache_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, dir_, std::chrono::seconds(60), stdin_text);
}

std::unique_ptr<BackgroundCommand> KubeTest::KubectlInBackground(
    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {KubectlPath(), "--kubeconfig", kubeconfig_, "--cache-dir",
                                   cache_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<BackgroundCommand>(argv, dir_);
}

CommandResult KubeTest::Apply(const std::string& yaml, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"apply", "-f", "-"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Kubectl(args, yaml);
}

void KubeTest::InstallCrd() {
  CommandResult r = Kubectl({"apply", "-f", SourceDir() + "/crds/"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  ASSERT_NE(r.out.find("customresourcedefinition.apiextensions.k8s.io/pgmigrations.pgferry.io created"),
            std::string::npos)
      << r.all();
  r = Kubectl({"wait", "--for=condition=Established", "crd/pgmigrations.pgferry.io",
               "--timeout=20s"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
}

std::string KubeTest::JsonPath(const std::string& name, const std::string& path) {
  CommandResult r = Kubectl({"get", "pgm", name, "-o", "jsonpath={" + path + "}"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  return r.out;
}

std::string MigrationOnly(const std::string& name, const std::string& extra_spec) {
  return "apiVersion: pgferry.io/v1alpha1\n"
         "kind: PgMigration\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "spec:\n"
         "  source:\n"
         "    host: src.example.com\n"
         "    credentialsSecretRef: {name: " + name + "-pg, usernameKey: src-user, passwordKey: src-pass}\n"
         "  destination:\n"
         "    host: dst.example.com\n"
         "    credentialsSecretRef: {name: " + name + "-pg, usernameKey: dst-user, passwordKey: dst-pass}\n" +
         extra_spec;
}

std::string SampleMigration(const std::string& name, const std::string& extra_spec) {
  return "apiVersion: v1\n"
         "kind: Secret\n"
         "metadata:\n"
         "  name: " + name + "-pg\n"
         "stringData:\n"
         "  src-user: migrator\n"
         "  src-pass: s3cret\n"
         "  dst-user: postgres\n"
         "  dst-pass: s3cret2\n"
         "---\n" +
         MigrationOnly(name, extra_spec);
}

}  // namespace pgferry::e2e
