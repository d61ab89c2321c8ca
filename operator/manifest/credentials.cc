#include "operator/manifest/credentials.h"

namespace pgferry::manifest {
namespace {

class SecretLookup {
 public:
  SecretLookup(const std::vector<api::Secret>& secrets, const std::string& namespace_)
      : secrets_(secrets), namespace_(namespace_) {}

  // Stores secret[name][key] in *out, or says which is missing; `ref_field` prefixes errors.
  Status Get(const std::string& ref_field, const std::string& name, const std::string& key,
             std::string* out) const {
    for (const api::Secret& s : secrets_) {
      if (s.name != name || (!namespace_.empty() && s.namespace_ != namespace_)) continue;
      auto it = s.data.find(key);
      if (it == s.data.end()) {
        return NotFound(ref_field + "Secret \"" + name + "\" has no key \"" + key + "\"");
      }
      *out = it->second;
      return Status::Ok();
    }
    return NotFound(ref_field + "Secret \"" + name + "\" not found");
  }

 private:
  const std::vector<api::Secret>& secrets_;
  const std::string& namespace_;
};

std::string Prefix(const std::string& field, const char* ref) {
  return field.empty() ? std::string(ref) + ": " : field + "." + ref + ": ";
}

}  // namespace

Result<ServerCredentials> ResolveCredentials(const api::ServerSpec& server,
                                             const std::vector<api::Secret>& secrets,
                                             const std::string& field,
                                             const std::string& namespace_) {
  SecretLookup lookup(secrets, namespace_);
  ServerCredentials creds;
  const api::CredentialsSecretRef& ref = server.credentialsSecretRef;
  const std::string creds_field = Prefix(field, "credentialsSecretRef");
  RETURN_IF_ERROR(lookup.Get(creds_field, ref.name, ref.usernameKey, &creds.user));
  RETURN_IF_ERROR(lookup.Get(creds_field, ref.name, ref.passwordKey, &creds.password));
  if (server.sslRootCertSecretRef) {
    const api::SecretKeyRef& ca = *server.sslRootCertSecretRef;
    RETURN_IF_ERROR(
        lookup.Get(Prefix(field, "sslRootCertSecretRef"), ca.name, ca.key, &creds.sslRootCert));
  }
  return creds;
}

pg::ConnParams ConnParamsFor(const api::ServerSpec& server, const ServerCredentials& creds) {
  pg::ConnParams p;
  p.host = server.host;
  p.port = server.port;
  p.dbname = server.dbname;
  p.user = creds.user;
  p.password = creds.password;
  p.sslmode = server.sslMode;
  p.connect_timeout_seconds = server.connectTimeoutSeconds;
  return p;
}

}  // namespace pgferry::manifest
