// HTTP request/response values exchanged between the transport (cpprestsdk) and the fake API
// server's logic, so the logic can be driven in-process without sockets.
//
// Plain values; a WatchSink is shared between the transport (which closes it when the client goes
// away) and the server (which writes events); implementations must be thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <strings.h>

namespace pgferry::fakeapi {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return strcasecmp(a.c_str(), b.c_str()) < 0;
  }
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;  // "GET", "PATCH", ...
  std::string target;  // path plus "?query" exactly as received (still percent-encoded)
  Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
};

// The open end of a streaming (watch) response. Write() sends one chunk and flushes it; it
// returns false once the client has gone away or the stream was closed.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  virtual bool Write(const std::string& chunk) = 0;
  virtual void Close() = 0;
  virtual bool closed() const = 0;
};

// Where the transport lets the server start a stream: the server calls Open() at most once with
// the status and headers; the returned sink stays valid until closed.
class StreamOpener {
 public:
  virtual ~StreamOpener() = default;
  virtual std::shared_ptr<WatchSink> Open(int status, const Headers& headers) = 0;
};

}  // namespace pgferry::fakeapi
