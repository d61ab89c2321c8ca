// Throw-away TLS material for the fake API server: a self-signed CA and a server certificate for
// 127.0.0.1 / localhost signed by it (EC P-256, valid for a year), generated with OpenSSL.
//
// Pure function; thread-safe.
#pragma once

#include <string>

#include "operator/common/status.h"

namespace pgferry::fakeapi {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string cert_pem;  // the server certificate
  std::string key_pem;   // its private key
};

Result<TlsMaterial> GenerateTlsMaterial();

}  // namespace pgferry::fakeapi
