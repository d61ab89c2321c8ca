#include "operator/cli/endpoints.h"
#include "operator/manifest/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace pgferry::cli {
namespace {

Result<std::string> WriteCaFile(const std::string& pem) {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                     "/pgferry-ca.XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return Internal("cannot create a temporary file for the CA certificate");
  ssize_t n = write(fd, pem.data(), pem.size());
  close(fd);
  if (n != static_cast<ssize_t>(pem.size())) return Internal("cannot write the CA certificate");
  return path;
}

Result<pg::ConnParams> Params(const api::ServerSpec& server, const manifest::Manifest& m,
                              const std::string& field) {
  ASSIGN_OR_RETURN(auto creds, manifest::ResolveCredentials(server, m.secrets, field));
  pg::ConnParams p = manifest::ConnParamsFor(server, creds);
  if (!creds.sslRootCert.empty()) {
    ASSIGN_OR_RETURN(p.sslrootcert, WriteCaFile(creds.sslRootCert));
  }
  return p;
}

}  // namespace

Result<Endpoints> EndpointsFromManifest(const manifest::Manifest& m) {
  Endpoints ep;
  ASSIGN_OR_RETURN(ep.source, Params(m.migration.spec.source, m, "spec.source"));
  ASSIGN_OR_RETURN(ep.destination, Params(m.migration.spec.destination, m, "spec.destination"));
  return ep;
}

}  // namespace pgferry::cli
