// FakeApiServerProcess: runs tests/fake-apiserver as a child process for integration tests.
//
// Starts `fake-apiserver --port 0 --kubeconfig-out FILE [--tls] [--token T]`, waits for the URL
// on the first line of its stdout, and stops it (SIGTERM, then SIGKILL) when destroyed, removing
// its scratch directory. Its stderr goes to stderr.log in that directory. The binary comes from $FAKE_APISERVER_BIN or the build tree.
// One owner thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "operator/common/status.h"

namespace pgferry::kube::testing {

class FakeApiServerProcess {
 public:
  struct Options {
    bool tls = false;
    std::string token;
  };

  // The fake-apiserver executable, or "" when it has not been built.
  static std::string Binary();

  FakeApiServerProcess() = default;
  ~FakeApiServerProcess();
  FakeApiServerProcess(const FakeApiServerProcess&) = delete;
  FakeApiServerProcess& operator=(const FakeApiServerProcess&) = delete;

  Status Start(const Options& options);

  const std::string& url() const { return url_; }
  const std::string& kubeconfig_path() const { return kubeconfig_; }
  const std::string& dir() const { return dir_; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string url_;
  std::string kubeconfig_;
};

}  // namespace pgferry::kube::testing
