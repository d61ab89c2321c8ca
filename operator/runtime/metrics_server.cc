#include "operator/runtime/metrics_server.h"

#include <prometheus/text_serializer.h>

namespace pgferry::runtime {

std::string RenderMetrics(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* collectable : collectables) {
    std::vector<prometheus::MetricFamily> more = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

MetricsServer::MetricsServer(std::vector<const prometheus::Collectable*> collectables)
    : collectables_(std::move(collectables)) {}

MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start(const std::string& bind_address) {
  ASSIGN_OR_RETURN(BindAddress address, ParseBindAddress(bind_address, "--metrics-bind-address"));
  if (address.disabled) return Status::Ok();
  ASSIGN_OR_RETURN(
      server_, HttpServer::Start(address, [this](const HttpRequest& request) {
        if (request.path != "/metrics")
          return HttpResponse{404, "text/plain; charset=utf-8", "404 page not found\n"};
        if (request.method != "GET" && request.method != "HEAD")
          return HttpResponse{405, "text/plain; charset=utf-8", "method not allowed\n"};
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                            RenderMetrics(collectables_)};
      }));
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

int MetricsServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace pgferry::runtime
