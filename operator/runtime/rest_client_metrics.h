// RestClientMetrics: client-go's request counter for the Kubernetes API client, under its name,
//   rest_client_requests_total{code,host,method}
// code is the HTTP status ("200", "409", ...) or "<error>" when no answer came; host is the API
// server's host:port; method the HTTP verb. Fed by kube::HttpClientOptions::on_response.
//
// Ownership: the Registry must outlive this object. Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>

namespace pgferry::runtime {

class RestClientMetrics {
 public:
  RestClientMetrics(prometheus::Registry& registry, std::string host);

  // One request that ended with HTTP status `code` (0: no answer).
  void Observe(const std::string& method, int code);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  std::string host_;
};

// "host:port" of a server URL ("https://10.0.0.1:443" -> "10.0.0.1:443").
std::string HostOfUrl(const std::string& url);

}  // namespace pgferry::runtime
