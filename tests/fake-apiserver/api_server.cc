#include "tests/fake-apiserver/api_server.h"

#include "tests/fake-apiserver/discovery.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/openapi.h"

namespace pgferry::fakeapi {
namespace {

HttpResponse Text(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = "text/plain; charset=utf-8";
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.body = body;
  return r;
}

HttpResponse JsonBody(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = body.dump();
  return r;
}

void Bootstrap(ServerState& state) {
  std::string now = NowRfc3339();
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata",
                {{"name", name},
                 {"uid", NewUid()},
                 {"creationTimestamp", now},
                 {"labels", {{"kubernetes.io/metadata.name", name}}},
                 {"resourceVersion", std::to_string(state.store.NextRv())}}},
               {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
    state.store.Put("namespaces", "", name, ns);
  }
}

}  // namespace

ApiServer::ApiServer(ApiServerConfig config)
    : config_(std::move(config)), state_(config_.event_history_limit), resources_(state_) {
  Bootstrap(state_);
  ticker_ = std::thread([this] { TickLoop(); });
}

ApiServer::~ApiServer() { Shutdown(); }

void ApiServer::set_server_address(const std::string& address) {
  std::lock_guard<std::mutex> lock(address_mu_);
  server_address_ = address;
}

void ApiServer::CompactHistory() {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.store.Compact(state_.store.current_rv());
}

void ApiServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(tick_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.store.CloseAllWatches();
}

void ApiServer::TickLoop() {
  auto next_bookmark = std::chrono::steady_clock::now() + config_.bookmark_interval;
  std::unique_lock<std::mutex> lock(tick_mu_);
  while (!stopping_) {
    tick_cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) break;
    auto now = std::chrono::steady_clock::now();
    bool bookmarks = now >= next_bookmark;
    if (bookmarks) next_bookmark = now + config_.bookmark_interval;
    std::lock_guard<std::mutex> state_lock(state_.mu);
    state_.store.Tick(now, bookmarks);
  }
}

std::optional<HttpResponse> ApiServer::Handle(const HttpRequest& request, StreamOpener* opener) {
  RequestInfo info = ParseRequestInfo(request.method, request.target);
  AuditRecord record;
  record.resource_request = info.is_resource_request;
  record.verb = info.verb;
  record.api_group = info.api_group;
  record.api_version = info.api_version;
  record.resource = info.resource;
  record.subresource = info.subresource;
  record.namespace_ = info.namespace_;
  record.name = info.name;
  record.path = info.path;
  record.user_agent = request.Header("User-Agent");

  std::optional<HttpResponse> response;
  if (!config_.token.empty() && request.Header("Authorization") != "Bearer " + config_.token) {
    response = JsonBody(401, UnauthorizedError().ToStatus());
  } else {
    response = Route(request, info, opener);
  }
  record.code = response ? response->status : 200;
  audit_.Add(record);
  return response;
}

std::optional<HttpResponse> ApiServer::Route(const HttpRequest& request, const RequestInfo& info,
                                             StreamOpener* opener) {
  const std::string& path = info.path;
  if (info.is_resource_request) return resources_.Handle(request, info, opener);
  if (request.method != "GET" && request.method != "HEAD") {
    return Text(405, "405: Method Not Allowed");
  }
  if (path == "/version" || path == "/version/") return JsonBody(200, VersionInfo());
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return Text(200, "ok");
  if (path.rfind("/openapi/v3", 0) == 0) {
    std::lock_guard<std::mutex> lock(state_.mu);
    return OpenApiResponse(state_.registry, path);
  }
  if (path == "/api" || path == "/apis" || path.rfind("/api/", 0) == 0 ||
      path.rfind("/apis/", 0) == 0) {
    std::string address;
    {
      std::lock_guard<std::mutex> lock(address_mu_);
      address = server_address_;
    }
    std::lock_guard<std::mutex> lock(state_.mu);
    return DiscoveryResponse(state_.registry, path, request.Header("Accept"), address);
  }
  return Text(404, "404 page not found\n");
}

}  // namespace pgferry::fakeapi
