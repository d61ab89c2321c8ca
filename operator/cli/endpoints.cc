#include "operator/cli/endpoints.h"
#include "operator/manifest/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <vector>
#include <nlohmann/json.hpp>

#include "operator/cli/commands.h"
#include "reconcilers/lock_wait_watch.h"
#include "reconcilers/names.h"

namespace pgferry::cli {
namespace {

// The CA files this process wrote. libpq (and the pg_dump/pg_restore children) read them while
// the command runs; they are removed when the process exits normally (after main returns, or
// exit()): `pgferry migrate` turns SIGINT/SIGTERM into a stop and returns. Only a killed process
// leaves its file behind.
class CaFiles {
 public:
  ~CaFiles() {
    for (const auto& p : paths_) unlink(p.c_str());
  }
  Result<std::string> Write(const std::string& pem) {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/pgferry-ca.XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0) return Internal("cannot create a temporary file for the CA certificate");
    std::lock_guard<std::mutex> lock(mu_);
    paths_.push_back(path);
    ssize_t n = write(fd, pem.data(), pem.size());
    close(fd);
    if (n != static_cast<ssize_t>(pem.size())) return Internal("cannot write the CA certificate");
    return path;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> paths_;  // guarded by mu_
};

Result<std::string> WriteCaFile(const std::string& pem) {
  static CaFiles files;
  return files.Write(pem);
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

int Load(const char* cmd, const CommandLine& cl, Loaded* out) {
  auto m = manifest::LoadFiles(cl.files);
  if (!m.ok()) {
    std::cerr << "pgferry " << cmd << ": " << m.status().message() << "\n";
    return kExitUsage;
  }
  auto ep = EndpointsFromManifest(*m);
  if (!ep.ok()) {
    std::cerr << "pgferry " << cmd << ": " << ep.status().message() << "\n";
    return kExitUsage;
  }
  const auto& meta = m->migration.metadata;
  out->migration_id =
      MigrationShortId(!meta.uid.empty() ? meta.uid : meta.namespace_ + "/" + meta.name);
  out->manifest = std::move(*m);
  out->endpoints = std::move(*ep);
  return kExitOk;
}

std::optional<PreflightInput> ProbeOrReport(const char* cmd, pg::Connector& connector, const Loaded& l, bool json) {
  Result<PreflightInput> in = Internal("not probed");
  {
    // The probe reads every selected table's size, which waits while another session holds a
    // table in ACCESS EXCLUSIVE mode: say so on stderr instead of hanging silently.
    LockWaitWatch watch(connector, {{"source", l.endpoints.source}, {"destination", l.endpoints.destination}},
                        [cmd](const std::string& m) { std::fprintf(stderr, "pgferry %s: waiting: %s\n", cmd, m.c_str()); });
    in = Probe(connector, l.manifest.migration.spec, l.endpoints);
  }
  if (in.ok()) return std::move(*in);
  if (json)
    std::cout << nlohmann::json({{"ok", false}, {"errors", {in.status().message()}}})
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  else
    std::printf("error: %s\n\n%s failed: cannot connect\n", in.status().message().c_str(), cmd);
  return std::nullopt;
}

}  // namespace pgferry::cli
