// MetricsServer: /metrics in the Prometheus text format, for the Prometheus scraper.
//
// Serves what the given collectables (usually one prometheus::Registry holding the controllers'
// ControllerMetrics and pgferry's domain metrics) hold at the moment of the scrape, serialised by
// prometheus-cpp's TextSerializer (exposition format 0.0.4). Other paths answer 404.
//
// Ownership: the collectables must outlive the server. Thread-safety: scrapes run on HTTP threads;
// prometheus-cpp registries are thread-safe. Start/Stop from one owner thread.
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <string>
#include <vector>

#include "operator/runtime/http_server.h"

namespace pgferry::runtime {

// The text exposition of everything `collectables` hold now.
std::string RenderMetrics(const std::vector<const prometheus::Collectable*>& collectables);

class MetricsServer {
 public:
  explicit MetricsServer(std::vector<const prometheus::Collectable*> collectables);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Serves on `bind_address` (flag syntax, bind_address.h); "0" serves nothing.
  Status Start(const std::string& bind_address);
  void Stop();
  int port() const;  // the bound port; 0 when not serving

 private:
  std::vector<const prometheus::Collectable*> collectables_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace pgferry::runtime
