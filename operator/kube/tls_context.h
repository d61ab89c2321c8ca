// TLS set-up for connections to the API server (internal to operator/kube).
//
// ConfigureTls prepares an OpenSSL context the way client-go's transport does: when a CA is
// configured only that CA is trusted (not the system roots), a client certificate and key are
// presented when given. It also hooks certificate verification so that a failed handshake can
// be explained ("certificate verify failed: self-signed certificate in certificate chain")
// instead of the bare "Error in SSL handshake" the HTTP library reports.
//
// TlsFailureLog is shared between the client and its connections; it is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "operator/common/status.h"
#include "operator/kube/kube_config.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace pgferry::kube {

// Remembers why the most recent certificate verification failed.
class TlsFailureLog {
 public:
  void Record(std::string reason);
  // The recorded reason, cleared; "" when nothing failed since the last call.
  std::string Take();

 private:
  std::mutex mu_;
  std::string last_;
};

// OK when `pem` holds at least one X.509 certificate and nothing unparsable.
Status CheckCertificatesPem(std::string_view pem);
// OK when `pem` holds a private key.
Status CheckPrivateKeyPem(std::string_view pem);

// Applies the CA, client certificate and key of `config` to `ctx`, and records verification
// failures in `log` (which must outlive every connection made with `ctx`; may be null).
// Does not change whether the peer is verified: the caller decides (insecure-skip-tls-verify).
Status ConfigureTls(ssl_ctx_st* ctx, const KubeConfig& config, TlsFailureLog* log);

}  // namespace pgferry::kube
