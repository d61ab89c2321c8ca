#include "operator/runtime/http_server.h"

#include <cpprest/http_listener.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <exception>

namespace pgferry::runtime {
namespace {

using web::http::experimental::listener::http_listener;

// A socket bound to host:0 that holds a free port until the listener has it.
class PortReservation {
 public:
  ~PortReservation() {
    if (fd_ >= 0) close(fd_);
  }
  Result<int> Reserve(const std::string& host) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    int rc = getaddrinfo(host.c_str(), "0", &hints, &found);
    if (rc != 0) return Unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
    fd_ = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    if (fd_ < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd_, found->ai_addr, found->ai_addrlen) != 0)
      return Unavailable("cannot bind " + host + ": " + std::strerror(errno));
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0)
      return Unavailable(std::string("getsockname: ") + std::strerror(errno));
    if (bound.ss_family == AF_INET6)
      return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }

 private:
  int fd_ = -1;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const std::string& uri, HttpHandler handler)
      : handler_(std::move(handler)), listener_(utility::conversions::to_string_t(uri)) {
    listener_.support([this](web::http::http_request request) { Serve(std::move(request)); });
  }
  Status Open() {
    try {
      listener_.open().wait();
      return Status::Ok();
    } catch (const std::exception& e) {
      return Unavailable(std::string("cannot listen on ") + listener_.uri().to_string() + ": " +
                         e.what());
    }
  }
  void Close() {
    try {
      listener_.close().wait();
    } catch (const std::exception&) {
      // Closing a listener that failed to open: nothing to release.
    }
  }

 private:
  void Serve(web::http::http_request request) {
    HttpRequest seen;
    seen.method = request.method();
    seen.path = web::uri::decode(request.relative_uri().path());
    seen.query = request.relative_uri().query();
    HttpResponse out;
    try {
      out = handler_(seen);
    } catch (const std::exception& e) {
      out = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
    }
    web::http::http_response response(static_cast<web::http::status_code>(out.code));
    response.set_body(out.body, out.content_type);
    request.reply(response).then([](pplx::task<void> sent) {
      try {
        sent.wait();
      } catch (const std::exception&) {
        // The client went away; nothing to tell it.
      }
    });
  }

  HttpHandler handler_;
  http_listener listener_;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const BindAddress& address,
                                                      HttpHandler handler) {
  PortReservation reservation;
  int port = address.port;
  if (port == 0) {
    ASSIGN_OR_RETURN(port, reservation.Reserve(address.host));
  }
  auto impl = std::make_unique<Impl>(address.ListenUri(port), std::move(handler));
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl), address, port));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl, BindAddress address, int port)
    : impl_(std::move(impl)), address_(std::move(address)), port_(port) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (impl_) impl_->Close();
  impl_.reset();
}

std::string HttpServer::url() const {
  BindAddress shown = address_;
  if (shown.host == "0.0.0.0") shown.host = "127.0.0.1";
  if (shown.host == "::") shown.host = "::1";
  return shown.ListenUri(port_);
}

}  // namespace pgferry::runtime
