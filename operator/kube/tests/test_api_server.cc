#include "operator/kube/tests/test_api_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pgferry::kube::testing {
namespace {

using web::http::http_request;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

// A port the kernel just handed out; http_listener cannot report the one it bound to port 0.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a test port");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

void UsePem(boost::asio::ssl::context& ctx, const TestApiServer::Tls& tls) {
  ctx.use_certificate_chain(boost::asio::buffer(tls.cert_pem.data(), tls.cert_pem.size()));
  ctx.use_private_key(boost::asio::buffer(tls.key_pem.data(), tls.key_pem.size()),
                      boost::asio::ssl::context::pem);
  if (!tls.client_ca_pem.empty()) {
    ctx.add_certificate_authority(
        boost::asio::buffer(tls.client_ca_pem.data(), tls.client_ca_pem.size()));
    ctx.set_verify_mode(boost::asio::ssl::verify_peer |
                        boost::asio::ssl::verify_fail_if_no_peer_cert);
  }
}

}  // namespace

std::string SeenRequest::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

TestApiServer::TestApiServer(Handler handler, std::optional<Tls> tls)
    : handler_(std::move(handler)) {
  http_listener_config config;
  if (tls) {
    config.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) { UsePem(ctx, *tls); });
  }
  const char* scheme = tls ? "https" : "http";
  for (int attempt = 0;; ++attempt) {
    url_ = std::string(scheme) + "://127.0.0.1:" + std::to_string(FreePort());
    listener_ = std::make_unique<http_listener>(url_, config);
    listener_->support([this](http_request request) {
      SeenRequest seen;
      seen.method = request.method();
      seen.path = web::uri::decode(request.relative_uri().path());
      seen.query = request.relative_uri().query();
      for (const auto& [key, value] : request.headers()) seen.headers[key] = value;
      try {
        seen.body = request.extract_utf8string(true).get();
      } catch (...) {
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(seen);
      }
      handler_(request, seen);
    });
    try {
      listener_->open().wait();
      return;
    } catch (...) {
      if (attempt >= 5) throw;  // the port was taken between FreePort and open
    }
  }
}

TestApiServer::~TestApiServer() {
  try {
    listener_->close().wait();
  } catch (...) {
  }
}

std::vector<SeenRequest> TestApiServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void ReplyJson(http_request& request, int code, const std::string& body) {
  web::http::http_response response(static_cast<web::http::status_code>(code));
  response.set_body(body, "application/json");
  request.reply(response).wait();
}

StreamingReply::StreamingReply(http_request& request, int code) {
  web::http::http_response response(static_cast<web::http::status_code>(code));
  response.headers().set_content_type("application/json");
  response.set_body(buffer_.create_istream());
  request.reply(response);
}

void StreamingReply::Write(const std::string& text) {
  buffer_.putn_nocopy(reinterpret_cast<const uint8_t*>(text.data()), text.size()).wait();
  buffer_.sync().wait();
}

void StreamingReply::Close() { buffer_.close(std::ios_base::out).wait(); }

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  return status.dump();
}

}  // namespace pgferry::kube::testing
