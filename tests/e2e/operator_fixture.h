// End-to-end support for `pgferry operator`: the operator as a child process (OperatorBinary())
// with its log (stderr) in a file, a plain HTTP GET for its probe and metrics
// endpoints, and OperatorTest, a KubeTest whose server keeps an audit log and which can start
// real PostgreSQL servers (tests/harness) and operators.
//
// Not thread-safe; one test at a time per fixture instance. Children are stopped by pid when
// their owner goes away.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/kube_fixture.h"
#include "tests/harness/manifest_builder.h"
#include "tests/harness/pg_cluster.h"

namespace pgferry::e2e {

class OperatorProcess {
 public:
  // Runs `pgferry operator ARGS...` with stdout/stderr in files under `scratch_dir`.
  OperatorProcess(const std::vector<std::string>& args, const std::string& scratch_dir);

  // Polls the log until it contains `needle`.
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const;
  std::string log() const { return cmd_.err() + cmd_.out(); }
  // The port from the "Serving metrics ... port=N" / "Serving health probes" lines; 0 if none.
  int MetricsPort() const;
  int ProbePort() const;
  // The leader-election identity it logged; "" without --leader-elect.
  std::string Identity() const;

  int Terminate() { return cmd_.Terminate(); }  // SIGTERM, then SIGKILL after 5 s
  void Kill();                                  // SIGKILL now
  std::optional<int> Wait(std::chrono::milliseconds timeout) { return cmd_.Wait(timeout); }
  pid_t pid() const { return cmd_.pid(); }

 private:
  BackgroundCommand cmd_;
};

// $PGFERRY_BIN, else the pgferry binary of this build tree.
std::string OperatorBinary();

// GET http://127.0.0.1:PORT/PATH; the status code (0 when unreachable) and the body.
int HttpGet(int port, const std::string& path, std::string* body);

class OperatorTest : public KubeTest {
 protected:
  void SetUp() override;  // a server (ServerOptions()) with an audit log, the CRD installed
  virtual fakeapi::FakeApiServerOptions ServerOptions() { return {}; }
  void TearDown() override;

  void StartPostgres();  // src_ and dst_
  // An operator against the fixture's server; probes and metrics on free ports.
  std::unique_ptr<OperatorProcess> StartOperator(const std::vector<std::string>& extra = {});
  // A Secret pair + PgMigration `name` for src_/dst_ (superuser on both), `extra_spec` under spec.
  std::string Manifest(const std::string& name, const std::string& extra_spec) const;

  // Distinct "verb group resource[/subresource]" lines of what pgferry (user agent pgferry*)
  // called, sorted.
  std::vector<std::string> ObservedApiCalls() const;
  // Renders charts/pgferry with chart-render ($CHART_RENDER, else
  // <source>/../shared/tools/chart-render/chart-render) and `values_yaml`, and returns what its
  // RBAC does not grant of the calls in `calls_file` ("" when it grants them all), or the error.
  std::string ChartRbacMisses(const std::string& calls_file, const std::string& values_yaml);

  std::string audit_path_;
  std::unique_ptr<testing::PgCluster> src_, dst_;
};

}  // namespace pgferry::e2e
