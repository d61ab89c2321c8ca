// OperatorManager: `pgferry operator` put together — what controller-runtime's Manager does for a
// Go operator. It owns the informers (PgMigrations and Secrets of the watched namespaces), the
// PgMigration controller and its reconciler, the JobRunner pool, the event recorder, /healthz +
// /readyz and /metrics, and leader election on the Lease `pgferry-operator`.
//
// Run() order: check that the API server answers and the CRD is installed (a clear error and
// exit 1 otherwise); serve probes and metrics; start informers and wait for their first lists;
// then (as leader only, with leader election) run the controller's workers. On shutdown
// (SIGTERM): stop taking keys and wait for running reconciles, ask every engine to stop and wait
// for it, release the Lease, stop informers and servers; exit 0. Losing the Lease stops all work
// the same way and exits 1 (a pod restarts and stands by).
//
// Ownership: the KubeClient and pg::Connector must outlive the manager. Thread-safety: Run
// once, from one thread; the Shutdown may be requested from anywhere.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "operator/controller/pgmigration_reconciler.h"
#include "operator/kube/kube_client.h"
#include "operator/runtime/shutdown.h"

namespace prometheus {
class Collectable;
}

namespace pgferry::controller {

struct OperatorOptions {
  std::vector<std::string> namespaces;  // empty = every namespace
  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
  bool leader_elect = false;
  std::string leader_election_namespace = "default";
  std::string lease_name = "pgferry-operator";
  std::string identity;  // "" = runtime::DefaultLeaderIdentity()
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  int max_concurrent_migrations = 2;
  ReconcilerOptions reconciler;
  std::string server_description;  // "https://10.0.0.1:443 (in-cluster service account)"
  runtime::LogSink log;            // info and above
  runtime::LogSink debug;          // may be empty
  // More series for /metrics (the API client's rest_client_requests_total); must outlive Run.
  std::vector<const prometheus::Collectable*> extra_metrics;
};

class OperatorManager {
 public:
  OperatorManager(OperatorOptions options, kube::KubeClient* client, pg::Connector* connector);

  // Blocks until `shutdown` is requested (or leadership is lost); returns the exit code.
  int Run(runtime::Shutdown& shutdown);

 private:
  Status CheckApiServer();
  void Log(const std::string& line) const;

  OperatorOptions options_;
  kube::KubeClient* client_;
  pg::Connector* connector_;
};

}  // namespace pgferry::controller
