#include "operator/kube/http_kube_client.h"

#include <cpprest/http_client.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "operator/kube/api_error.h"
#include "operator/kube/file_util.h"
#include "operator/kube/tls_context.h"
#include "operator/kube/watch_stream.h"

namespace pgferry::kube {
namespace {

using web::http::http_exception;
using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;
using web::http::client::http_client_config;

constexpr std::chrono::seconds kTokenRefresh{60};
constexpr std::chrono::seconds kMaxRetryAfter{10};

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

struct ObjectKey {
  std::string ns;
  std::string name;
};

// Namespace and name from object.metadata; `need_name` for writes to an existing object.
Result<ObjectKey> KeyOf(const Json& object, bool need_name, const char* verb) {
  if (!object.is_object()) return InvalidArgument(std::string(verb) + ": the object is not a map");
  auto metadata = object.find("metadata");
  ObjectKey key;
  if (metadata != object.end() && metadata->is_object()) {
    key.ns = metadata->value("namespace", "");
    key.name = metadata->value("name", "");
  }
  if (need_name && key.name.empty())
    return InvalidArgument(std::string(verb) + ": the object has no metadata.name");
  return key;
}

std::optional<std::chrono::seconds> RetryAfter(const http_response& response) {
  auto it = response.headers().find("Retry-After");
  if (it == response.headers().end()) return std::nullopt;
  try {
    return std::chrono::seconds(std::max(0, std::stoi(it->second)));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

class HttpKubeClient::Impl {
 public:
  Impl(KubeConfig config, HttpClientOptions options)
      : config_(std::move(config)), options_(std::move(options)) {
    token_ = config_.token;
    token_read_ = std::chrono::steady_clock::now();
    client_ = std::make_unique<http_client>(config_.server, ClientConfig(options_.request_timeout));
  }

  const KubeConfig& config() const { return config_; }

  http_client_config ClientConfig(std::chrono::seconds timeout) const {
    http_client_config cc;
    cc.set_timeout(timeout);
    cc.set_validate_certificates(!config_.insecure_skip_tls_verify);
    KubeConfig tls = config_;
    std::shared_ptr<TlsFailureLog> log = tls_log_;
    cc.set_ssl_context_callback([tls, log](boost::asio::ssl::context& ctx) {
      Status st = ConfigureTls(ctx.native_handle(), tls, log.get());
      if (!st.ok()) throw std::runtime_error(st.message());
    });
    return cc;
  }

  void Observe(const std::string& method, int code) const {
    if (options_.on_response) options_.on_response(method, code);
  }

  http_request NewRequest(const std::string& method, const std::string& path_and_query) {
    http_request request(method);
    request.set_request_uri(web::uri(path_and_query));
    request.headers().add("Accept", "application/json");
    request.headers().add("User-Agent", options_.user_agent);
    std::string token = Token();
    if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
    return request;
  }

  Result<Json> Call(const std::string& method, const std::string& path_and_query, const Json* body,
                    const std::string& content_type) {
    const std::string what = method + " " + path_and_query;
    for (int attempt = 0;; ++attempt) {
      http_request request;
      try {
        request = NewRequest(method, path_and_query);
      } catch (const std::exception& e) {
        return InvalidArgument("bad request path \"" + path_and_query + "\": " + e.what());
      }
      if (body != nullptr) {
        // Invalid UTF-8 inside a string would make dump() throw; send U+FFFD instead.
        request.set_body(body->dump(-1, ' ', false, Json::error_handler_t::replace), content_type);
      }
      http_response response;
      std::string text;
      try {
        response = client_->request(request).get();
        text = response.extract_utf8string(/*ignore_content_type=*/true).get();
      } catch (const std::exception& e) {
        Observe(method, 0);
        return TransportError(e, what);
      }
      int code = response.status_code();
      Observe(method, code);
      if (code >= 200 && code < 300) {
        if (text.empty()) return Json::object();
        Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) return Internal("the answer to " + what + " is not JSON");
        return parsed;
      }
      if ((code == 429 || code == 503) && attempt < options_.max_retries) {
        if (auto wait = RetryAfter(response)) {
          std::this_thread::sleep_for(std::min(*wait, kMaxRetryAfter));
          continue;
        }
      }
      return Decorate(ApiError(code, text, what));
    }
  }

  Status Watch(const Resource& resource, const std::string& ns, const WatchOptions& options,
               std::stop_token stop, const WatchHandler& handler) {
    std::string path =
        ResourcePath(resource, ns) +
        QueryString({{"watch", "true"},
                     {"resourceVersion", options.resource_version},
                     {"labelSelector", options.label_selector},
                     {"fieldSelector", options.field_selector},
                     {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
                     {"timeoutSeconds",
                      options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : ""}});
    const std::string what = "GET " + path;
    // The client's timeout applies between two reads; the server may be quiet for the whole
    // timeoutSeconds when nothing changes and bookmarks are off.
    auto idle =
        std::chrono::seconds(options.timeout_seconds > 0 ? options.timeout_seconds + 60 : 3600);
    http_client client(config_.server, ClientConfig(idle));
    pplx::cancellation_token_source cancel;
    std::stop_callback on_stop(stop, [&cancel] { cancel.cancel(); });
    auto aborted = [] { return Status(StatusCode::kAborted, "watch stopped"); };

    http_response response;
    try {
      response = client.request(NewRequest("GET", path), cancel.get_token()).get();
    } catch (const std::exception& e) {
      if (stop.stop_requested()) return aborted();
      Observe("GET", 0);
      return TransportError(e, what);
    }
    Observe("GET", response.status_code());
    if (response.status_code() != 200) {
      std::string text;
      try {
        text = response.extract_utf8string(true).get();
      } catch (const std::exception&) {
      }
      return Decorate(ApiError(response.status_code(), text, what));
    }

    // Read whatever has arrived (at least one byte) and decode complete lines as they come.
    concurrency::streams::streambuf<uint8_t> body = response.body().streambuf();
    WatchStreamDecoder decoder;
    std::vector<WatchEvent> events;
    std::vector<uint8_t> buffer(size_t{64} * 1024);
    auto deliver = [&]() -> std::optional<Status> {
      for (const WatchEvent& event : events) {
        if (stop.stop_requested()) return aborted();
        bool more = handler(event);
        if (event.type == WatchEventType::kError) return event.error;
        if (!more) return Status::Ok();
      }
      events.clear();
      return std::nullopt;
    };
    auto finish = [&](Status st) {
      cancel.cancel();  // close the connection instead of returning it to a pool
      return st;
    };
    for (;;) {
      size_t n = 0;
      try {
        size_t available = body.in_avail();
        n = body.getn(buffer.data(), available > 0 ? std::min(available, buffer.size()) : 1).get();
      } catch (const std::exception& e) {
        if (stop.stop_requested()) return aborted();
        return finish(TransportError(e, what));
      }
      if (n == 0) break;
      Status st =
          decoder.Feed(std::string_view(reinterpret_cast<const char*>(buffer.data()), n), &events);
      if (!st.ok()) return finish(st.Prefixed(what));
      if (auto done = deliver()) return finish(*done);
    }
    if (stop.stop_requested()) return aborted();
    try {
      response.content_ready().get();  // throws when the body ended because the connection broke
    } catch (const std::exception& e) {
      return TransportError(e, what);
    }
    Status st = decoder.Finish(&events);
    if (!st.ok()) return st.Prefixed(what);
    if (auto done = deliver()) return *done;
    return Status::Ok();
  }

 private:
  std::string Token() {
    std::lock_guard<std::mutex> lock(token_mu_);
    auto now = std::chrono::steady_clock::now();
    if (!config_.token_file.empty() && now - token_read_ >= kTokenRefresh) {
      token_read_ = now;
      auto text = ReadTextFile(config_.token_file);
      if (text.ok() && !TrimSpace(*text).empty()) token_ = TrimSpace(*text);
    }
    return token_;
  }

  Status Decorate(Status st) const {
    if (st.code() == StatusCode::kUnauthenticated)
      return st.Prefixed("the API server " + config_.server + " rejected the credentials of " +
                         config_.source);
    return st;
  }

  Status TransportError(const std::exception& e, const std::string& what) const {
    std::string reason = e.what();
    std::error_code ec;
    if (auto* http = dynamic_cast<const http_exception*>(&e)) ec = http->error_code();
    // cpprestsdk passes OpenSSL's packed error code through as if it were an errno.
    std::string tls_reason;
    if (ec && ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_SSL) {
      const char* text = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
      if (text != nullptr) tls_reason = text;
    }
    if (tls_reason.find("alert") != std::string::npos &&
        (tls_reason.find("certificate") != std::string::npos ||
         tls_reason.find("unknown ca") != std::string::npos)) {
      // The server sent an alert about the certificate we presented (or did not present).
      return Status(StatusCode::kUnauthenticated,
                    "the Kubernetes API server " + config_.server +
                        " refused the TLS client certificate (" + tls_reason +
                        "); check client-certificate and client-key in " + config_.source);
    }
    if (reason.find("SSL handshake") != std::string::npos) {
      std::string why = tls_log_->Take();
      if (!why.empty()) {
        std::string trust = config_.ca_pem.empty()
                                ? "the system's CA certificates"
                                : "the certificate-authority of " + config_.source;
        return FailedPrecondition("TLS handshake with the Kubernetes API server " + config_.server +
                                  " failed: certificate verify failed: " + why +
                                  "; the server's certificate is not trusted by " + trust);
      }
      return Unavailable("TLS handshake with the Kubernetes API server " + config_.server +
                         " failed" + (tls_reason.empty() ? "" : ": " + tls_reason));
    }
    if (ec == std::errc::timed_out)
      return Unavailable("timed out talking to the Kubernetes API server " + config_.server + " (" +
                         what + ")");
    if (reason.find("Failed to connect") != std::string::npos) {
      // cpprestsdk reports a refused connection as "host unreachable"; do not guess which.
      reason = "connection refused or host unreachable";
    } else if (!tls_reason.empty()) {
      reason += " (" + tls_reason + ")";
    } else if (ec && reason.find(ec.message()) == std::string::npos) {
      reason += " (" + ec.message() + ")";
    }
    return Unavailable("cannot reach the Kubernetes API server " + config_.server + " (" + what +
                       "): " + reason);
  }

  KubeConfig config_;
  HttpClientOptions options_;
  std::shared_ptr<TlsFailureLog> tls_log_ = std::make_shared<TlsFailureLog>();
  std::unique_ptr<http_client> client_;

  std::mutex token_mu_;
  std::string token_;
  std::chrono::steady_clock::time_point token_read_;
};

Result<std::unique_ptr<HttpKubeClient>> HttpKubeClient::FromConfig(
    const KubeConfig& config, const HttpClientOptions& options) {
  bool https = config.server.rfind("https://", 0) == 0;
  if (!https && config.server.rfind("http://", 0) != 0)
    return InvalidArgument("Kubernetes API server \"" + config.server + "\" (" + config.source +
                           ") must start with https:// or http://");
  try {
    web::uri parsed(config.server);
    if (parsed.host().empty()) throw std::invalid_argument("no host");
  } catch (const std::exception&) {
    return InvalidArgument("Kubernetes API server \"" + config.server + "\" (" + config.source +
                           ") is not a valid URL");
  }
  if (https) {
    // Try the TLS material once now, so a bad PEM fails here and not on the first request.
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return Internal("cannot create an OpenSSL context");
    Status st = ConfigureTls(ctx, config, nullptr);
    SSL_CTX_free(ctx);
    if (!st.ok()) return st.Prefixed(config.source);
  }
  try {
    return std::unique_ptr<HttpKubeClient>(
        new HttpKubeClient(std::make_unique<Impl>(config, options)));
  } catch (const std::exception& e) {
    return InvalidArgument("cannot set up a client for " + config.server + ": " + e.what());
  }
}

HttpKubeClient::HttpKubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpKubeClient::~HttpKubeClient() = default;

const KubeConfig& HttpKubeClient::config() const { return impl_->config(); }

Result<Json> HttpKubeClient::Get(const Resource& resource, const std::string& ns,
                                 const std::string& name) {
  if (name.empty()) return InvalidArgument("get " + resource.QualifiedName() + ": empty name");
  return impl_->Call("GET", ResourcePath(resource, ns, name), nullptr, "");
}

Result<Json> HttpKubeClient::List(const Resource& resource, const std::string& ns,
                                  const ListOptions& options) {
  std::string path = ResourcePath(resource, ns) +
                     QueryString({{"labelSelector", options.label_selector},
                                  {"fieldSelector", options.field_selector},
                                  {"resourceVersion", options.resource_version},
                                  {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                                  {"continue", options.continue_token}});
  return impl_->Call("GET", path, nullptr, "");
}

Result<Json> HttpKubeClient::Create(const Resource& resource, const Json& object) {
  ASSIGN_OR_RETURN(ObjectKey key, KeyOf(object, /*need_name=*/false, "create"));
  return impl_->Call("POST", ResourcePath(resource, key.ns), &object, "application/json");
}

Result<Json> HttpKubeClient::Update(const Resource& resource, const Json& object) {
  ASSIGN_OR_RETURN(ObjectKey key, KeyOf(object, /*need_name=*/true, "update"));
  return impl_->Call("PUT", ResourcePath(resource, key.ns, key.name), &object, "application/json");
}

Result<Json> HttpKubeClient::UpdateStatus(const Resource& resource, const Json& object) {
  ASSIGN_OR_RETURN(ObjectKey key, KeyOf(object, /*need_name=*/true, "update status"));
  return impl_->Call("PUT", ResourcePath(resource, key.ns, key.name, "status"), &object,
                     "application/json");
}

Result<Json> HttpKubeClient::Patch(const Resource& resource, const std::string& ns,
                                   const std::string& name, PatchType type, const Json& patch) {
  if (name.empty()) return InvalidArgument("patch " + resource.QualifiedName() + ": empty name");
  return impl_->Call("PATCH", ResourcePath(resource, ns, name), &patch, PatchContentType(type));
}

Result<Json> HttpKubeClient::PatchStatus(const Resource& resource, const std::string& ns,
                                         const std::string& name, PatchType type,
                                         const Json& patch) {
  if (name.empty()) return InvalidArgument("patch " + resource.QualifiedName() + ": empty name");
  return impl_->Call("PATCH", ResourcePath(resource, ns, name, "status"), &patch,
                     PatchContentType(type));
}

Result<Json> HttpKubeClient::Delete(const Resource& resource, const std::string& ns,
                                    const std::string& name, const DeleteOptions& options) {
  if (name.empty()) return InvalidArgument("delete " + resource.QualifiedName() + ": empty name");
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty())
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  return impl_->Call("DELETE", ResourcePath(resource, ns, name), &body, "application/json");
}

Status HttpKubeClient::Watch(const Resource& resource, const std::string& ns,
                             const WatchOptions& options, std::stop_token stop,
                             const WatchHandler& handler) {
  return impl_->Watch(resource, ns, options, std::move(stop), handler);
}

Result<Json> HttpKubeClient::GetPath(const std::string& path_and_query) {
  return impl_->Call("GET", path_and_query, nullptr, "");
}

}  // namespace pgferry::kube
