#include "tests/fake-apiserver/http_transport.h"

#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace pgferry::fakeapi {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;
using Buffer = concurrency::streams::producer_consumer_buffer<uint8_t>;

// Asks the kernel for a free port (cpprestsdk cannot report the port it bound for port 0).
int FreePort(const std::string& host) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  int port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class BufferSink : public WatchSink {
 public:
  bool Write(const std::string& chunk) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    auto data = std::make_shared<std::string>(chunk);
    buffer_.putn_nocopy(reinterpret_cast<const uint8_t*>(data->data()), data->size())
        .then([data](pplx::task<size_t> t) {
          try {
            t.get();
          } catch (...) {
          }
        });
    buffer_.sync().then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
      }
    });
    return true;
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    buffer_.close(std::ios_base::out).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
      }
    });
  }
  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  // The client went away: stop producing (the transport no longer reads the buffer).
  void MarkGone() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  Buffer& buffer() { return buffer_; }

 private:
  mutable std::mutex mu_;
  bool closed_ = false;
  Buffer buffer_;
};

void CopyHeaders(const Headers& from, http_response* to) {
  for (const auto& [k, v] : from) {
    if (strcasecmp(k.c_str(), "Content-Type") == 0) continue;
    to->headers().add(k, v);
  }
}

std::string ContentType(const Headers& h) {
  auto it = h.find("Content-Type");
  return it == h.end() ? "application/json" : it->second;
}

class RequestStreamOpener : public StreamOpener {
 public:
  explicit RequestStreamOpener(http_request request) : request_(std::move(request)) {}

  std::shared_ptr<WatchSink> Open(int status, const Headers& headers) override {
    auto sink = std::make_shared<BufferSink>();
    http_response response(static_cast<web::http::status_code>(status));
    CopyHeaders(headers, &response);
    response.headers().set_content_type(ContentType(headers));
    response.set_body(concurrency::streams::istream(sink->buffer()));
    response.headers().set_content_type(ContentType(headers));
    std::weak_ptr<BufferSink> weak = sink;
    request_.reply(response).then([weak](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
      }
      if (auto s = weak.lock()) s->MarkGone();
    });
    opened_ = true;
    return sink;
  }
  bool opened() const { return opened_; }

 private:
  http_request request_;
  bool opened_ = false;
};

}  // namespace

// The handler calls under way. cpprestsdk runs a request's continuation on its thread pool, and
// one could still be running (or not yet started) when Stop closed the listener; the owner then
// destroyed what the handler uses (ApiServer) and the test process crashed at random on a server
// restart. Stop now refuses new calls and waits for those running.
struct InFlight {
  std::mutex mu;
  std::condition_variable done;
  int running = 0;
  bool stopped = false;
};

struct HttpTransport::Impl {
  std::unique_ptr<http_listener> listener;
  std::shared_ptr<InFlight> in_flight = std::make_shared<InFlight>();
};

HttpTransport::HttpTransport(Handler handler, std::optional<TlsMaterial> tls)
    : impl_(std::make_unique<Impl>()), handler_(std::move(handler)), tls_(std::move(tls)) {}

HttpTransport::~HttpTransport() { Stop(); }

std::string HttpTransport::url() const {
  return std::string(tls_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_);
}

Status HttpTransport::Start(const std::string& host, int port) {
  host_ = host;
  http_listener_config config;
  if (tls_) {
    TlsMaterial tls = *tls_;
    config.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) {
      ctx.set_options(boost::asio::ssl::context::default_workarounds |
                      boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                      boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
      ctx.use_certificate_chain(boost::asio::buffer(tls.cert_pem.data(), tls.cert_pem.size()));
      ctx.use_private_key(boost::asio::buffer(tls.key_pem.data(), tls.key_pem.size()),
                          boost::asio::ssl::context::pem);
    });
  }
  std::string last_error;
  for (int attempt = 0; attempt < 20; ++attempt) {
    int p = port != 0 ? port : FreePort(host);
    if (p == 0) return Unavailable("cannot find a free port on " + host);
    std::string uri = std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(p) + "/";
    try {
      auto listener = std::make_unique<http_listener>(uri, config);
      Handler handler = handler_;
      std::shared_ptr<InFlight> in_flight = impl_->in_flight;
      listener->support([handler, in_flight](http_request request) {
        request.extract_vector().then([handler, in_flight, request](pplx::task<std::vector<unsigned char>> body_task) mutable {
          {
            std::lock_guard<std::mutex> l(in_flight->mu);
            if (in_flight->stopped) return;
            ++in_flight->running;
          }
          struct Leave {
            InFlight& f;
            ~Leave() {
              std::lock_guard<std::mutex> l(f.mu);
              if (--f.running == 0) f.done.notify_all();
            }
          } leave{*in_flight};
          HttpRequest req;
          req.method = request.method();
          req.target = request.request_uri().to_string();
          for (const auto& [k, v] : request.headers()) req.headers[k] = v;
          try {
            auto body = body_task.get();
            req.body.assign(body.begin(), body.end());
          } catch (...) {
          }
          RequestStreamOpener opener(request);
          std::optional<HttpResponse> response;
          try {
            response = handler(req, &opener);
          } catch (const std::exception& e) {
            HttpResponse r;
            r.status = 500;
            r.headers["Content-Type"] = "text/plain";
            r.body = std::string("fake-apiserver internal error: ") + e.what();
            response = r;
          }
          if (!response) {
            if (!opener.opened()) request.reply(web::http::status_codes::InternalError);
            return;
          }
          http_response out(static_cast<web::http::status_code>(response->status));
          out.set_body(response->body, ContentType(response->headers));
          CopyHeaders(response->headers, &out);
          request.reply(out).then([](pplx::task<void> t) {
            try {
              t.get();
            } catch (...) {
            }
          });
        });
      });
      listener->open().wait();
      impl_->listener = std::move(listener);
      port_ = p;
      return Status::Ok();
    } catch (const std::exception& e) {
      last_error = e.what();
      if (port != 0) break;
    }
  }
  return Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + last_error);
}

void HttpTransport::Stop() {
  if (!impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (...) {
  }
  {
    // Watch streams were ended by the owner first (ApiServer::Shutdown), so the calls under way
    // return soon; the bound only keeps a stuck one from hanging the test.
    std::unique_lock<std::mutex> l(impl_->in_flight->mu);
    impl_->in_flight->stopped = true;
    impl_->in_flight->done.wait_for(l, std::chrono::seconds(10), [&] { return impl_->in_flight->running == 0; });
  }
  impl_->listener.reset();
}

}  // namespace pgferry::fakeapi
