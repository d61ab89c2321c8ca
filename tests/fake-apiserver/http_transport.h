// HttpTransport: serves a request handler over HTTP or HTTPS with cpprestsdk's http_listener
// (Debian's build supports TLS through its Boost.Asio SSL context callback). Watch responses are
// streamed as chunked bodies through a producer/consumer buffer, flushed after every event; a
// failed write (the client went away) closes the stream's sink.
//
// Start/Stop from one owner thread; the handler is called concurrently from cpprestsdk's pool.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "operator/common/status.h"
#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/tls_certs.h"

namespace pgferry::fakeapi {

class HttpTransport {
 public:
  using Handler = std::function<std::optional<HttpResponse>(const HttpRequest&, StreamOpener*)>;

  // `tls` null: plain HTTP.
  HttpTransport(Handler handler, std::optional<TlsMaterial> tls);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Listens on host:port; port 0 picks a free port.
  Status Start(const std::string& host, int port);
  void Stop();
  int port() const { return port_; }
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Handler handler_;
  std::optional<TlsMaterial> tls_;
  std::string host_;
  int port_ = 0;
};

}  // namespace pgferry::fakeapi
