#include "operator/controller/operator_manager.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "operator/controller/secret_references.h"
#include "operator/runtime/controller.h"
#include "operator/runtime/leader_elector.h"
#include "operator/runtime/metrics_server.h"
#include "operator/runtime/probe_server.h"

namespace pgferry::controller {
namespace {

using runtime::LogValue;

}  // namespace

OperatorManager::OperatorManager(OperatorOptions options, kube::KubeClient* client,
                                 pg::Connector* connector)
    : options_(std::move(options)), client_(client), connector_(connector) {}

void OperatorManager::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Status OperatorManager::CheckApiServer() {
  kube::ListOptions one;
  one.limit = 1;
  const std::string ns = options_.namespaces.empty() ? "" : options_.namespaces.front();
  auto r = client_->List(kube::PgMigrationsResource(), ns, one);
  if (r.ok()) return Status::Ok();
  const Status& st = r.status();
  switch (st.code()) {
    case StatusCode::kUnauthenticated:
      return Status(st.code(), "the API server " + options_.server_description +
                                   " rejected pgferry's credentials (401 Unauthorized): check "
                                   "the token or client certificate; " +
                                   st.message());
    case StatusCode::kPermissionDenied:
      return Status(st.code(), "the API server " + options_.server_description +
                                   " refused to list pgmigrations.pgferry.io (403 Forbidden): "
                                   "check the RBAC rules of pgferry's service account; " +
                                   st.message());
    case StatusCode::kNotFound:
      return Status(st.code(),
                    "the PgMigration CRD (pgmigrations.pgferry.io) is not installed "
                    "on " +
                        options_.server_description + ": kubectl apply -f crds/; " + st.message());
    default:
      return st.Prefixed("cannot reach the API server " + options_.server_description);
  }
}

int OperatorManager::Run(runtime::Shutdown& shutdown) {
  Status api = CheckApiServer();
  if (!api.ok()) {
    Log("Failed to start error=" + LogValue(api.message()));
    return 1;
  }

  prometheus::Registry registry;
  MigrationMetrics metrics(registry);
  ObjectCache migrations(client_, kube::PgMigrationsResource(), options_.namespaces, options_.log);
  ObjectCache secrets(client_, kube::SecretsResource(), options_.namespaces, options_.log);
  JobRunner runner(options_.max_concurrent_migrations);
  kube::EventRecorder recorder(client_);

  ReconcilerDeps deps;
  deps.client = client_;
  deps.migrations = &migrations;
  deps.secrets = &secrets;
  deps.runner = &runner;
  deps.connector = connector_;
  deps.events = &recorder;
  deps.metrics = &metrics;
  deps.log = options_.log;
  deps.debug = options_.debug;
  PgMigrationReconciler reconciler(deps, options_.reconciler);

  runtime::Controller::Options co;
  co.name = "pgmigration";
  co.max_concurrent_reconciles = std::max(1, options_.max_concurrent_migrations);
  co.registry = &registry;
  co.log = options_.log;
  runtime::Controller controller(co, &reconciler);
  runtime::WorkQueue* queue = &controller.queue();
  reconciler.SetEnqueue([queue](const std::string& key, std::chrono::milliseconds delay) {
    queue->AddAfter(key, delay);
  });
  migrations.AddEventHandlers(runtime::EnqueueObjectKey(queue));
  secrets.AddEventHandlers(
      runtime::EnqueueMappedKeys(queue, [&migrations](const nlohmann::json& s) {
        return MigrationsReferencingSecret(s, migrations.List());
      }));

  runtime::ProbeServer probes;
  probes.AddReadyCheck("informer-pgmigrations", [&migrations] { return migrations.SyncStatus(); });
  probes.AddReadyCheck("informer-secrets", [&secrets] { return secrets.SyncStatus(); });
  std::vector<const prometheus::Collectable*> collectables = {&registry};
  collectables.insert(collectables.end(), options_.extra_metrics.begin(),
                      options_.extra_metrics.end());
  runtime::MetricsServer metrics_server(collectables);
  Status st = probes.Start(options_.health_probe_bind_address);
  if (st.ok()) st = metrics_server.Start(options_.metrics_bind_address);
  if (!st.ok()) {
    Log("Failed to start error=" + LogValue(st.message()));
    return 1;
  }
  if (probes.port() > 0)
    Log("Serving health probes address=" + LogValue(options_.health_probe_bind_address) +
        " port=" + std::to_string(probes.port()));
  if (metrics_server.port() > 0)
    Log("Serving metrics address=" + LogValue(options_.metrics_bind_address) +
        " port=" + std::to_string(metrics_server.port()));

  migrations.Start();
  secrets.Start();
  Log("Waiting for caches to sync");
  while (!shutdown.requested() &&
         !migrations.WaitForSync(shutdown.token(), std::chrono::seconds(30))) {
    if (!shutdown.requested()) Log("Still waiting for caches to sync");
  }
  if (!shutdown.requested()) secrets.WaitForSync(shutdown.token(), std::chrono::hours(24));

  // The controller runs on its own thread, from the moment this replica may act.
  std::mutex mu;
  bool closing = false;
  std::thread controller_thread;
  auto start_controller = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (closing || controller_thread.joinable()) return;
    Log("Starting controller controller=pgmigration max_concurrent_migrations=" +
        std::to_string(options_.max_concurrent_migrations));
    controller_thread = std::thread([&controller, &shutdown] { controller.Run(shutdown.token()); });
  };

  std::atomic<bool> lost{false};
  std::stop_source elector_stop;
  std::unique_ptr<runtime::LeaderElector> elector;
  std::thread elector_thread;
  if (!shutdown.requested()) {
    if (options_.leader_elect) {
      runtime::LeaderElector::Options lo;
      lo.lease_namespace = options_.leader_election_namespace;
      lo.lease_name = options_.lease_name;
      lo.identity = options_.identity;
      lo.lease_duration = options_.lease_duration;
      lo.renew_deadline = options_.renew_deadline;
      lo.retry_period = options_.retry_period;
      lo.log = options_.log;
      runtime::LeaderElector::Callbacks cb;
      cb.on_started_leading = [&] {
        Log("Acquired leadership lease=" + LogValue(lo.lease_namespace + "/" + lo.lease_name));
        start_controller();
      };
      cb.on_stopped_leading = [&](bool was_lost) {
        if (!was_lost) return;
        lost = true;
        Log("Leader election lost: stopping all work lease=" +
            LogValue(lo.lease_namespace + "/" + lo.lease_name));
        shutdown.Request("leader election lost");
      };
      cb.on_new_leader = [&](const std::string& id) {
        Log("New leader observed identity=" + LogValue(id.empty() ? "(none)" : id));
      };
      elector = std::make_unique<runtime::LeaderElector>(client_, lo, cb);
      Log("Attempting to acquire leader lease lease=" +
          LogValue(lo.lease_namespace + "/" + lo.lease_name) +
          " identity=" + LogValue(elector->identity()));
      elector_thread = std::thread([&] { elector->Run(elector_stop.get_token()); });
    } else {
      start_controller();
    }
  }

  shutdown.Wait();
  Log("Shutting down reason=" + LogValue(shutdown.reason()));
  {
    std::lock_guard<std::mutex> lock(mu);
    closing = true;
  }
  // 1. No new keys; reconciles already running finish (Controller::Run stops the controller
  // itself once the shutdown token fires).
  if (controller_thread.joinable()) {
    controller_thread.join();
  } else {
    controller.Stop();
  }
  // 2. Engines stop at their next safe point; wait for them.
  reconciler.SetEnqueue(nullptr);
  Log("Stopping migration engines running=" + std::to_string(runner.running()) +
      " waiting=" + std::to_string(runner.waiting()));
  runner.Shutdown();
  // 3. Only then hand the Lease over.
  elector_stop.request_stop();
  if (elector_thread.joinable()) elector_thread.join();
  if (elector && !lost) Log("Released leader lease");
  // 4. Caches and servers.
  migrations.Stop();
  secrets.Stop();
  probes.Stop();
  metrics_server.Stop();
  Log(lost ? "Stopped after losing leadership" : "Stopped");
  return lost ? 1 : 0;
}

}  // namespace pgferry::controller
