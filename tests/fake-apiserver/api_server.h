// ApiServer: the transport-independent fake kube-apiserver. Handle() authenticates (bearer token
// when configured), records the request in the audit log, and routes it: /version, health
// endpoints, discovery, OpenAPI v3, and resource requests (ResourceHandler). A background
// thread sends watch bookmarks and closes expired or abandoned watches.
//
// Thread-safe; Handle() may be called from many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <string>
#include <thread>

#include "tests/fake-apiserver/audit_log.h"
#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/resource_handler.h"
#include "tests/fake-apiserver/server_state.h"

namespace pgferry::fakeapi {

struct ApiServerConfig {
  std::string token;                  // required bearer token; empty = no authentication
  size_t event_history_limit = 0;     // watch history kept; 0 = everything
  std::chrono::milliseconds bookmark_interval{5000};
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerConfig config);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // The response, or nullopt when a watch stream was opened through `opener` (may be null for
  // in-process calls, which then cannot watch).
  std::optional<HttpResponse> Handle(const HttpRequest& request, StreamOpener* opener);

  // "127.0.0.1:PORT", reported in legacy discovery.
  void set_server_address(const std::string& address);
  AuditLog& audit() { return audit_; }
  // Forgets watch history up to now: watches from older resourceVersions get 410 Gone.
  void CompactHistory();
  // Ends every open watch (the streams finish) and stops the background thread.
  void Shutdown();

 private:
  void TickLoop();
  std::optional<HttpResponse> Route(const HttpRequest& request, const RequestInfo& info,
                                    StreamOpener* opener);

  ApiServerConfig config_;
  ServerState state_;
  ResourceHandler resources_;
  AuditLog audit_;
  std::mutex address_mu_;
  std::string server_address_;
  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace pgferry::fakeapi
