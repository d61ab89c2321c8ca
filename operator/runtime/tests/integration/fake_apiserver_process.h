// FakeApiServerProcess: tests/fake-apiserver as a child process for the runtime's integration test.
//
// Start() runs `fake-apiserver --port 0 --kubeconfig-out DIR/kubeconfig` and waits (up to 20 s)
// for the URL it prints on the first line of stdout; the destructor stops it (SIGTERM, then
// SIGKILL) and removes DIR. The binary is $FAKE_APISERVER_BIN or the one in the build tree;
// Binary() is "" when neither exists, and the tests skip themselves then. One owner thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "operator/common/status.h"

namespace pgferry::runtime::testing {

class FakeApiServerProcess {
 public:
  static std::string Binary();

  FakeApiServerProcess() = default;
  ~FakeApiServerProcess();
  FakeApiServerProcess(const FakeApiServerProcess&) = delete;
  FakeApiServerProcess& operator=(const FakeApiServerProcess&) = delete;

  Status Start();
  const std::string& url() const { return url_; }
  const std::string& kubeconfig_path() const { return kubeconfig_; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string url_;
  std::string kubeconfig_;
};

}  // namespace pgferry::runtime::testing
