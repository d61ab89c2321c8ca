// HttpKubeClient: KubeClient for a real API server, over cpprestsdk (HTTP/1.1, JSON).
//
// TLS: the server is verified against KubeConfig::ca_pem only (the system roots when no CA is
// configured), host name included, unless insecure_skip_tls_verify; a client certificate is
// presented when configured. A failed verification is reported as kFailedPrecondition with the
// reason ("TLS handshake with https://...: certificate verify failed: ..."), so a wrong CA is
// told apart from an unreachable server (kUnavailable).
// Authentication: "Authorization: Bearer" with the configured token, re-read from token_file
// every minute when one is set. The token is sent over http:// servers too (test servers only;
// real clusters are https).
// Retries: answers 429 and 503 carrying Retry-After are retried (up to max_retries, waiting at
// most 10 s each), as client-go does; nothing else is retried here.
//
// Thread-safe: one client serves any number of threads; connections are pooled. Each Watch
// opens its own connection and holds it until the stream ends. Destroy the client only after
// every call, Watch included, has returned (stop watches through their stop tokens first).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "operator/kube/kube_client.h"
#include "operator/kube/kube_config.h"

namespace pgferry::kube {

struct HttpClientOptions {
  std::chrono::seconds request_timeout{30};  // per send/receive step of a request
  std::string user_agent = "pgferry";
  int max_retries = 3;  // for 429/503 answers with Retry-After
  // Called after every request (each retry and each watch included) with the HTTP method and
  // status code, 0 when no answer came; from the calling thread, so it must be thread-safe.
  std::function<void(const std::string& method, int code)> on_response;
};

class HttpKubeClient : public KubeClient {
 public:
  // Checks the configuration (server URL, PEM blocks); does not contact the server.
  static Result<std::unique_ptr<HttpKubeClient>> FromConfig(const KubeConfig& config,
                                                            const HttpClientOptions& options = {});
  ~HttpKubeClient() override;

  Result<Json> Get(const Resource& resource, const std::string& ns,
                   const std::string& name) override;
  Result<Json> List(const Resource& resource, const std::string& ns,
                    const ListOptions& options) override;
  Result<Json> Create(const Resource& resource, const Json& object) override;
  Result<Json> Update(const Resource& resource, const Json& object) override;
  Result<Json> UpdateStatus(const Resource& resource, const Json& object) override;
  Result<Json> Patch(const Resource& resource, const std::string& ns, const std::string& name,
                     PatchType type, const Json& patch) override;
  Result<Json> PatchStatus(const Resource& resource, const std::string& ns, const std::string& name,
                           PatchType type, const Json& patch) override;
  Result<Json> Delete(const Resource& resource, const std::string& ns, const std::string& name,
                      const DeleteOptions& options) override;
  Status Watch(const Resource& resource, const std::string& ns, const WatchOptions& options,
               std::stop_token stop, const WatchHandler& handler) override;

  // GET of any path below the server ("/version", "/apis"), for checks outside KubeClient.
  Result<Json> GetPath(const std::string& path_and_query);

  const KubeConfig& config() const;

 private:
  class Impl;
  explicit HttpKubeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgferry::kube
