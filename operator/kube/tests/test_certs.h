// Throw-away X.509 material for TLS tests, made in memory with OpenSSL (no files, no CLI).
//
// MakeTestCertificates creates a CA, a server certificate for 127.0.0.1 and localhost signed by
// it, and a client certificate signed by it. Keys are P-256. Thread-safe, no shared state.
#pragma once

#include <string>

namespace pgferry::kube::testing {

struct TestCertificates {
  std::string ca_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};

TestCertificates MakeTestCertificates(const std::string& ca_name = "pgferry test CA",
                                      const std::string& client_name = "pgferry-test-client");

}  // namespace pgferry::kube::testing
