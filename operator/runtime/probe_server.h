// ProbeServer: the kubelet's liveness and readiness endpoints, /healthz and /readyz.
//
// Each endpoint runs its named checks (a function returning a Status) and answers like
// controller-runtime and kube-apiserver: 200 "ok" when all pass; 500 listing every check
// ("[+]ping ok", "[-]informer-pgmigrations failed: ...") when one fails; the list on success too
// with ?verbose; /healthz/NAME and /readyz/NAME run one check. Both endpoints start with a
// "ping" check that always passes, so /healthz answers 200 for as long as the process serves
// HTTP. Readiness is what the operator adds: its informers' HasSynced (Informer::SyncStatus).
// With leader election a standby replica is ready too (it has synced caches and is waiting for
// the lease), as with controller-runtime, so nothing about the lease is checked here.
//
// Ownership: checks are copied in; what they capture must outlive the server. Thread-safety:
// checks may be added from any thread at any time and run on HTTP threads, possibly at once;
// Start/Stop from one owner thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "operator/runtime/http_server.h"

namespace pgferry::runtime {

using HealthCheck = std::function<Status()>;

class ProbeServer {
 public:
  ProbeServer();
  ~ProbeServer();
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  void AddHealthCheck(const std::string& name, HealthCheck check);
  void AddReadyCheck(const std::string& name, HealthCheck check);

  // Serves on `bind_address` (flag syntax, bind_address.h); "0" serves nothing.
  Status Start(const std::string& bind_address);
  void Stop();
  int port() const;  // the bound port; 0 when not serving

  // What a GET of `path` with `query` answers; the HTTP handler, public for tests.
  HttpResponse Handle(const std::string& path, const std::string& query);

 private:
  using NamedChecks = std::vector<std::pair<std::string, HealthCheck>>;

  HttpResponse Run(const std::string& endpoint, const NamedChecks& checks, const std::string& only,
                   bool verbose);

  std::mutex mu_;
  NamedChecks health_;
  NamedChecks ready_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace pgferry::runtime
