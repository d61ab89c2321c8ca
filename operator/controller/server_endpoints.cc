#include "operator/controller/server_endpoints.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>

#include "operator/manifest/credentials.h"

namespace pgferry::controller {
namespace {

// A private folder for CA files, made once per process (RemoveCaFolder takes it away at exit).
std::mutex& CaMutex() {
  static std::mutex mu;
  return mu;
}
std::string& CaFolderPath() {  // guarded by CaMutex(); "" until made
  static std::string folder;
  return folder;
}

Result<std::string> CaFolder() {
  std::lock_guard<std::mutex> lock(CaMutex());
  std::string& folder = CaFolderPath();
  if (!folder.empty()) return folder;
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/pgferry-operator-ca.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    return Internal("cannot create a folder for CA certificates");
  folder = tmpl;
  return folder;
}

Result<std::string> WriteCaFile(const std::string& name, const std::string& pem) {
  ASSIGN_OR_RETURN(std::string folder, CaFolder());
  std::string path = folder + "/" + name + ".crt";
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Internal("cannot write the CA certificate file " + path);
  ssize_t n = write(fd, pem.data(), pem.size());
  close(fd);
  if (n != static_cast<ssize_t>(pem.size()) || std::rename(tmp.c_str(), path.c_str()) != 0)
    return Internal("cannot write the CA certificate file " + path);
  return path;
}

Result<pg::ConnParams> Params(const api::ServerSpec& server,
                              const std::vector<api::Secret>& secrets, const std::string& ns,
                              const std::string& field, const std::string& file_name,
                              std::string* fingerprint) {
  ASSIGN_OR_RETURN(auto creds, manifest::ResolveCredentials(server, secrets, field, ns));
  pg::ConnParams p = manifest::ConnParamsFor(server, creds);
  if (!creds.sslRootCert.empty()) {
    ASSIGN_OR_RETURN(p.sslrootcert, WriteCaFile(file_name, creds.sslRootCert));
  }
  *fingerprint += p.host + '\0' + std::to_string(p.port) + '\0' + p.user + '\0' + p.password +
                  '\0' + creds.sslRootCert + '\0';
  return p;
}

}  // namespace

void RemoveCaFiles(const ResolvedEndpoints& endpoints) {
  std::lock_guard<std::mutex> lock(CaMutex());
  const std::string& folder = CaFolderPath();
  if (folder.empty()) return;
  const Endpoints& e = endpoints.endpoints;
  for (const std::string* path : {&e.source.sslrootcert, &e.destination.sslrootcert})
    if (path->rfind(folder + "/", 0) == 0) unlink(path->c_str());  // only what this process wrote
}

void RemoveCaFolder() {
  std::lock_guard<std::mutex> lock(CaMutex());
  std::string& folder = CaFolderPath();
  if (folder.empty()) return;
  std::error_code ignored;  // at exit: what cannot be removed stays
  std::filesystem::remove_all(folder, ignored);
  folder.clear();
}

Result<ResolvedEndpoints> ResolveEndpoints(const api::MigrationSpec& spec,
                                           const std::vector<api::Secret>& secrets,
                                           const std::string& ns, const std::string& migration_id) {
  ResolvedEndpoints out;
  std::string fingerprint;
  ASSIGN_OR_RETURN(out.endpoints.source, Params(spec.source, secrets, ns, "spec.source",
                                                migration_id + "-source", &fingerprint));
  ASSIGN_OR_RETURN(out.endpoints.destination,
                   Params(spec.destination, secrets, ns, "spec.destination",
                          migration_id + "-destination", &fingerprint));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(fingerprint));
  out.credentials_hash = hex;
  return out;
}

}  // namespace pgferry::controller
