#include "tests/harness/manifest_builder.h"

namespace pgferry::testing {
namespace {

// YAML double-quoted scalar.
std::string Q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Server(const std::string& key, const std::string& secret, const ServerRef& s) {
  return "  " + key + ":\n    host: " + Q(s.host) + "\n    port: " + std::to_string(s.port) +
         "\n    dbname: " + Q(s.dbname) + "\n    sslMode: disable\n    connectTimeoutSeconds: " +
         std::to_string(s.connect_timeout) + "\n    credentialsSecretRef: {name: " + secret + "}\n";
}

std::string Secret(const std::string& name, const ServerRef& s) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
         "}\ntype: Opaque\nstringData:\n  username: " + Q(s.user) + "\n  password: " +
         Q(s.password) + "\n";
}

}  // namespace

std::string BuildManifest(const ManifestOptions& o) {
  return Secret(o.name + "-src", o.source) + "---\n" + Secret(o.name + "-dst", o.destination) +
         "---\napiVersion: pgferry.io/v1alpha1\nkind: PgMigration\nmetadata: {name: " + o.name +
         "}\nspec:\n" + Server("source", o.name + "-src", o.source) +
         Server("destination", o.name + "-dst", o.destination) + o.extra_spec;
}

}  // namespace pgferry::testing
