#include "tests/fake-apiserver/fake_apiserver.h"

#include <fstream>

#include "tests/fake-apiserver/api_server.h"
#include "tests/fake-apiserver/http_transport.h"
#include "tests/fake-apiserver/kubeconfig.h"
#include "tests/fake-apiserver/tls_certs.h"

namespace pgferry::fakeapi {

FakeApiServer::FakeApiServer(FakeApiServerOptions options) : options_(std::move(options)) {
  ApiServerConfig config;
  config.token = options_.token;
  config.event_history_limit = options_.event_history_limit;
  config.bookmark_interval = options_.bookmark_interval;
  api_ = std::make_unique<ApiServer>(config);
}

FakeApiServer::~FakeApiServer() { Stop(); }

Status FakeApiServer::Start() {
  if (!api_->audit().Open(options_.audit_log_path)) {
    return InvalidArgument("cannot write the audit log " + options_.audit_log_path);
  }
  std::optional<TlsMaterial> tls;
  if (options_.tls) {
    auto material = GenerateTlsMaterial();
    if (!material.ok()) return material.status();
    ca_pem_ = material->ca_cert_pem;
    tls = *material;
  }
  ApiServer* api = api_.get();
  transport_ = std::make_unique<HttpTransport>(
      [api](const HttpRequest& request, StreamOpener* opener) { return api->Handle(request, opener); },
      tls);
  Status s = transport_->Start(options_.host, options_.port);
  if (!s.ok()) return s;
  api_->set_server_address(options_.host + ":" + std::to_string(transport_->port()));
  return Status::Ok();
}

void FakeApiServer::Stop() {
  if (api_) api_->Shutdown();  // ends watch streams so the listener can close its connections
  if (transport_) transport_->Stop();
}

std::string FakeApiServer::url() const { return transport_ ? transport_->url() : ""; }

int FakeApiServer::port() const { return transport_ ? transport_->port() : 0; }

std::string FakeApiServer::Kubeconfig(const std::optional<std::string>& token,
                                      const std::string& namespace_) const {
  return RenderKubeconfig(url(), ca_pem_, token.value_or(options_.token), namespace_);
}

Status FakeApiServer::WriteKubeconfig(const std::string& path,
                                      const std::optional<std::string>& token) const {
  std::ofstream out(path);
  out << Kubeconfig(token);
  if (!out.good()) return InvalidArgument("cannot write " + path);
  if (!ca_pem_.empty()) {
    std::ofstream ca(path + ".ca.crt");
    ca << ca_pem_;
    if (!ca.good()) return InvalidArgument("cannot write " + path + ".ca.crt");
  }
  return Status::Ok();
}

std::vector<AuditRecord> FakeApiServer::AuditRecords() const { return api_->audit().Records(); }

void FakeApiServer::ClearAudit() { api_->audit().Clear(); }

void FakeApiServer::CompactHistory() { api_->CompactHistory(); }

HttpResponse FakeApiServer::Call(const std::string& method, const std::string& target,
                                 const std::string& body, const std::string& content_type) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.headers["Content-Type"] = content_type;
  request.headers["Accept"] = "application/json";
  request.headers["User-Agent"] = "fake-apiserver-call/v0";
  if (!options_.token.empty()) request.headers["Authorization"] = "Bearer " + options_.token;
  auto response = api_->Handle(request, nullptr);
  return response ? *response : HttpResponse{500, {}, "watch is not supported by Call()"};
}

}  // namespace pgferry::fakeapi
