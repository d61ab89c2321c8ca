#include "operator/runtime/rest_client_metrics.h"

namespace pgferry::runtime {

RestClientMetrics::RestClientMetrics(prometheus::Registry& registry, std::string host)
    : requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests, partitioned by status code, method, and host.")
                    .Register(registry)),
      host_(std::move(host)) {}

void RestClientMetrics::Observe(const std::string& method, int code) {
  // Family::Add returns the existing series for known labels; it locks internally.
  requests_
      .Add({{"code", code > 0 ? std::to_string(code) : "<error>"},
            {"host", host_},
            {"method", method}})
      .Increment();
}

std::string HostOfUrl(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace pgferry::runtime
