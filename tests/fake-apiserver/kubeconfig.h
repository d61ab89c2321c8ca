// Kubeconfig text for a fake API server: one cluster/user/context named "fake-apiserver", the CA
// inlined as certificate-authority-data when serving TLS, and an optional bearer token.
//
// Pure function; thread-safe.
#pragma once

#include <string>

namespace pgferry::fakeapi {

std::string RenderKubeconfig(const std::string& server_url, const std::string& ca_pem,
                             const std::string& token, const std::string& namespace_);

std::string Base64(const std::string& data);

}  // namespace pgferry::fakeapi
