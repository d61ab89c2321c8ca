#include "operator/runtime/probe_server.h"

namespace pgferry::runtime {
namespace {

bool HasFlag(const std::string& query, const std::string& flag) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    std::string part = query.substr(start, end == std::string::npos ? end : end - start);
    if (part == flag || part.starts_with(flag + "=")) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

ProbeServer::ProbeServer() {
  HealthCheck ping = [] { return Status::Ok(); };
  health_.emplace_back("ping", ping);
  ready_.emplace_back("ping", ping);
}

ProbeServer::~ProbeServer() { Stop(); }

void ProbeServer::AddHealthCheck(const std::string& name, HealthCheck check) {
  std::lock_guard<std::mutex> lock(mu_);
  health_.emplace_back(name, std::move(check));
}

void ProbeServer::AddReadyCheck(const std::string& name, HealthCheck check) {
  std::lock_guard<std::mutex> lock(mu_);
  ready_.emplace_back(name, std::move(check));
}

Status ProbeServer::Start(const std::string& bind_address) {
  ASSIGN_OR_RETURN(BindAddress address,
                   ParseBindAddress(bind_address, "--health-probe-bind-address"));
  if (address.disabled) return Status::Ok();
  ASSIGN_OR_RETURN(
      server_, HttpServer::Start(address, [this](const HttpRequest& request) {
        if (request.method != "GET" && request.method != "HEAD")
          return HttpResponse{405, "text/plain; charset=utf-8", "method not allowed\n"};
        return Handle(request.path, request.query);
      }));
  return Status::Ok();
}

void ProbeServer::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

int ProbeServer::port() const { return server_ ? server_->port() : 0; }

HttpResponse ProbeServer::Handle(const std::string& path, const std::string& query) {
  NamedChecks checks;
  std::string endpoint;
  for (const char* name : {"/healthz", "/readyz"}) {
    if (path == name || path.starts_with(std::string(name) + "/")) endpoint = name + 1;
  }
  if (endpoint.empty()) return {404, "text/plain; charset=utf-8", "404 page not found\n"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    checks = endpoint == "healthz" ? health_ : ready_;
  }
  std::string only = path.size() > endpoint.size() + 2 ? path.substr(endpoint.size() + 2) : "";
  return Run(endpoint, checks, only, HasFlag(query, "verbose"));
}

HttpResponse ProbeServer::Run(const std::string& endpoint, const NamedChecks& checks,
                              const std::string& only, bool verbose) {
  std::string lines;
  bool passed = true;
  bool found = only.empty();
  for (const auto& [name, check] : checks) {
    if (!only.empty() && name != only) continue;
    found = true;
    Status status = check();
    if (status.ok()) {
      lines += "[+]" + name + " ok\n";
    } else {
      passed = false;
      lines += "[-]" + name + " failed: " + status.message() + "\n";
    }
  }
  if (!found) return {404, "text/plain; charset=utf-8", "no check named " + only + "\n"};
  if (passed && !verbose) return {200, "text/plain; charset=utf-8", "ok"};
  return {passed ? 200 : 500, "text/plain; charset=utf-8",
          lines + endpoint + (passed ? " check passed\n" : " check failed\n")};
}

}  // namespace pgferry::runtime
