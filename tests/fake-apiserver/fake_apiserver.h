// FakeApiServer: a kube-apiserver stand-in for tests, in process or as the `fake-apiserver`
// executable. It serves what kubectl v1.32 and an operator use (see docs/fake-apiserver.md and
// docs/kubectl-wire-protocol.md): discovery, OpenAPI v3, CRDs, namespaced custom resources with
// status subresource, Secrets, ConfigMaps, Events, Leases, Namespaces, watch, patches, server-side
// apply, Table output, validation against CRD schemas and metav1.Status errors.
//
//   pgferry::fakeapi::FakeApiServer server({.tls = true, .token = "t0ken"});
//   ASSERT_TRUE(server.Start().ok());
//   server.WriteKubeconfig(dir + "/kubeconfig");   // then run kubectl --kubeconfig ...
//   ... server.url(), server.AuditRecords() ...
//   server.Stop();                                 // or let the destructor do it
//
// Thread-safe: Start/Stop from the owner; everything else from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "tests/fake-apiserver/audit_log.h"
#include "tests/fake-apiserver/http_message.h"

namespace pgferry::fakeapi {

struct FakeApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                      // 0 = a free port
  bool tls = false;                  // HTTPS with a generated CA (see ca_pem())
  std::string token;                 // when set, every request needs "Authorization: Bearer <token>"
  std::string audit_log_path;        // also append JSON audit lines here
  size_t event_history_limit = 0;    // watch history kept; 0 = everything
  std::chrono::milliseconds bookmark_interval{5000};
};

class ApiServer;
class HttpTransport;

class FakeApiServer {
 public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  Status Start();
  void Stop();

  std::string url() const;  // "http://127.0.0.1:PORT" or "https://..."
  int port() const;
  const std::string& ca_pem() const { return ca_pem_; }  // empty without TLS

  // A kubeconfig for this server; `token` overrides the configured token (e.g. a wrong one).
  std::string Kubeconfig(const std::optional<std::string>& token = std::nullopt,
                         const std::string& namespace_ = "default") const;
  Status WriteKubeconfig(const std::string& path,
                         const std::optional<std::string>& token = std::nullopt) const;

  // Every request served so far, in order.
  std::vector<AuditRecord> AuditRecords() const;
  void ClearAudit();
  // Forgets watch history: watches resuming from an older resourceVersion get 410 Gone.
  void CompactHistory();

  // Serves one request in process, without sockets or authentication (no watches). `body` is
  // JSON; `content_type` matters for PATCH.
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& content_type = "application/json");

 private:
  FakeApiServerOptions options_;
  std::string ca_pem_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace pgferry::fakeapi
