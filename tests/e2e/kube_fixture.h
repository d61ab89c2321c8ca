// KubeTest: a GoogleTest fixture that starts an in-process FakeApiServer (plain HTTP by default)
// with a scratch folder, a kubeconfig and a fresh kubectl --cache-dir, and runs the real kubectl
// (PGFERRY_KUBECTL, /usr/bin/kubectl) against it. Each test gets its own server and folder, and
// both are removed afterwards.
//
// Not thread-safe; one test at a time per fixture instance.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/command.h"
#include "tests/fake-apiserver/fake_apiserver.h"

namespace pgferry::e2e {

class KubeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Restarts the fixture's server with other options (TLS, token, audit log, ...).
  void StartServer(fakeapi::FakeApiServerOptions options);

  // Runs kubectl with --kubeconfig and --cache-dir set; `stdin_text` feeds "-f -".
  CommandResult Kubectl(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // The same, left running in the background.
  std::unique_ptr<BackgroundCommand> KubectlInBackground(const std::vector<std::string>& args);
  // kubectl apply -f - with `yaml`.
  CommandResult Apply(const std::string& yaml, const std::vector<std::string>& extra = {});

  // Installs crds/ with kubectl and waits for the CRD to be Established.
  void InstallCrd();
  // The PgMigration's field at a jsonpath, via kubectl get -o jsonpath.
  std::string JsonPath(const std::string& name, const std::string& path);

  std::string Scratch(const std::string& name) const { return dir_ + "/" + name; }
  static std::string SourceDir();
  static std::string KubectlPath();

  std::unique_ptr<fakeapi::FakeApiServer> server_;
  std::string dir_;
  std::string kubeconfig_;
  std::string cache_dir_;
};

// A Secret and a PgMigration named `name` (host names differ per source/destination).
std::string SampleMigration(const std::string& name, const std::string& extra_spec = "");
// Just the PgMigration document.
std::string MigrationOnly(const std::string& name, const std::string& extra_spec = "");

}  // namespace pgferry::e2e
