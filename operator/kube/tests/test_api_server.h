// TestApiServer: a scripted HTTP(S) server on 127.0.0.1 for HttpKubeClient unit tests.
//
// Built on cpprestsdk's http_listener. Each test gives it a handler that answers requests the
// way the scenario needs (a metav1.Status error, a list, a watch stream written piece by piece);
// the server records every request so the test can check what the client sent. With Tls set it
// serves HTTPS with the given certificate, and can demand a client certificate.
//
// The handler runs on listener threads; requests() is safe to call from the test thread.
#pragma once

#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pgferry::kube::testing {

struct SeenRequest {
  std::string method;
  std::string path;   // without the query
  std::string query;  // without "?", still percent-encoded
  std::string body;
  std::map<std::string, std::string> headers;  // names as sent

  std::string Header(const std::string& name) const;
};

class TestApiServer {
 public:
  struct Tls {
    std::string cert_pem;
    std::string key_pem;
    std::string client_ca_pem;  // when set, a client certificate signed by it is required
  };
  // `seen` is the request as recorded (body already read); reply through `request`.
  using Handler = std::function<void(web::http::http_request request, const SeenRequest& seen)>;

  explicit TestApiServer(Handler handler, std::optional<Tls> tls = std::nullopt);
  ~TestApiServer();
  TestApiServer(const TestApiServer&) = delete;
  TestApiServer& operator=(const TestApiServer&) = delete;

  std::string url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::vector<SeenRequest> requests() const;

 private:
  Handler handler_;
  std::string url_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
  mutable std::mutex mu_;
  std::vector<SeenRequest> requests_;
};

// Replies with `code` and `body` as application/json.
void ReplyJson(web::http::http_request& request, int code, const std::string& body);

// A response body written piece by piece (chunked transfer encoding), for watch streams.
class StreamingReply {
 public:
  // Sends the status line and headers; the body follows through Write.
  StreamingReply(web::http::http_request& request, int code = 200);
  // Sends `text` as it is, now (it may end in the middle of a JSON line).
  void Write(const std::string& text);
  // Ends the body (the zero-length chunk).
  void Close();

 private:
  concurrency::streams::producer_consumer_buffer<uint8_t> buffer_;
};

// {"kind":"Status",...} as the API server sends for errors.
std::string StatusBody(int code, const std::string& reason, const std::string& message);

}  // namespace pgferry::kube::testing
