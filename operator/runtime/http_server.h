// HttpServer: a small plain-HTTP server for the probe and metrics endpoints (cpprestsdk).
//
// Every request is answered by one handler function from the method, path and query. Listening on
// port 0 picks a free port, which port() reports: cpprestsdk cannot say which port it bound, so
// the server reserves one first (a bound, non-listening socket with SO_REUSEADDR that the
// listener shares) and releases the reservation once it listens.
//
// Ownership: the server owns its listener; Stop (or the destructor) closes it and waits for
// requests in progress. Thread-safety: the handler runs on cpprestsdk's thread pool, possibly
// several requests at once, so it must be thread-safe. Start/Stop from one owner thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "operator/common/status.h"
#include "operator/runtime/bind_address.h"

namespace pgferry::runtime {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/readyz/informer", percent-decoded
  std::string query;   // "verbose", still encoded
};

struct HttpResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;

class HttpServer {
 public:
  // Listens on `address` and serves `handler`; kUnavailable when the address cannot be bound.
  // REQUIRES: !address.disabled.
  static Result<std::unique_ptr<HttpServer>> Start(const BindAddress& address, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Stop();
  int port() const { return port_; }
  // "http://127.0.0.1:PORT" (a wildcard host is given as the loopback address).
  std::string url() const;

 private:
  class Impl;
  HttpServer(std::unique_ptr<Impl> impl, BindAddress address, int port);

  std::unique_ptr<Impl> impl_;
  BindAddress address_;
  int port_;
};

}  // namespace pgferry::runtime
