// PgMigration spec <-> JSON, with the validation DESIGN.md asks for.
#include <climits>

#include "reconcilers/api/migration_json.h"
#include "reconcilers/api/table_name.h"

namespace pgferry::api {

using nlohmann::json;

namespace {

const std::vector<std::string> kSslModes = {"disable", "allow",     "prefer",
                                            "require", "verify-ca", "verify-full"};
const std::vector<std::string> kMethods = {"auto", "replication", "dump", "schema_only"};
const std::vector<std::string> kVerifyModes = {"none", "counts", "checksums"};
const std::vector<std::string> kCleanupPolicies = {"Delete", "Retain"};

void ReadServer(JsonReader& r, ServerSpec* out) {
  r.NonEmptyString("host", &out->host, JsonReader::kRequired);
  r.Int("port", &out->port, 1, 65535);
  r.NonEmptyString("dbname", &out->dbname);
  r.OneOf("sslMode", &out->sslMode, kSslModes);
  if (auto ref = r.Object("sslRootCertSecretRef")) {
    SecretKeyRef key_ref;
    ref->NonEmptyString("name", &key_ref.name, JsonReader::kRequired);
    ref->NonEmptyString("key", &key_ref.key, JsonReader::kRequired);
    ref->Finish();
    out->sslRootCertSecretRef = key_ref;
  }
  if (auto ref = r.Object("credentialsSecretRef", JsonReader::kRequired)) {
    CredentialsSecretRef& creds = out->credentialsSecretRef;
    ref->NonEmptyString("name", &creds.name, JsonReader::kRequired);
    ref->NonEmptyString("usernameKey", &creds.usernameKey);
    ref->NonEmptyString("passwordKey", &creds.passwordKey);
    ref->Finish();
  }
  r.Int("connectTimeoutSeconds", &out->connectTimeoutSeconds, 1, INT_MAX);
  r.Finish();
}

// `spec.databases` and `spec.tables`: include XOR exclude, each entry a valid name.
void ReadNameFilter(JsonReader& spec, const char* key, bool table_names, NameFilter* out) {
  auto r = spec.Object(key);
  if (!r) return;
  r->StringList("include", &out->include);
  r->StringList("exclude", &out->exclude);
  r->Finish();
  if (!out->include.empty() && !out->exclude.empty()) {
    r->Error("", "include and exclude are mutually exclusive");
  }
  for (const char* list : {"include", "exclude"}) {
    const auto& names = std::string(list) == "include" ? out->include : out->exclude;
    for (size_t i = 0; i < names.size(); ++i) {
      std::string field = std::string(list) + "[" + std::to_string(i) + "]";
      if (table_names) {
        auto parsed = ParseTableName(names[i]);
        if (!parsed.ok()) r->Error(field, parsed.status().message());
      } else if (names[i].empty()) {
        r->Error(field, "must not be empty");
      }
    }
  }
}

json ServerToJson(const ServerSpec& s) {
  json j = {{"host", s.host},
            {"port", s.port},
            {"dbname", s.dbname},
            {"sslMode", s.sslMode},
            {"credentialsSecretRef",
             {{"name", s.credentialsSecretRef.name},
              {"usernameKey", s.credentialsSecretRef.usernameKey},
              {"passwordKey", s.credentialsSecretRef.passwordKey}}},
            {"connectTimeoutSeconds", s.connectTimeoutSeconds}};
  if (s.sslRootCertSecretRef) {
    j["sslRootCertSecretRef"] = {{"name", s.sslRootCertSecretRef->name},
                                 {"key", s.sslRootCertSecretRef->key}};
  }
  return j;
}

}  // namespace

void ReadSpec(JsonReader& r, MigrationSpec* out) {
  if (auto source = r.Object("source", JsonReader::kRequired)) ReadServer(*source, &out->source);
  if (auto dest = r.Object("destination", JsonReader::kRequired)) {
    ReadServer(*dest, &out->destination);
  }
  r.OneOf("method", &out->method, kMethods);
  ReadNameFilter(r, "databases", /*table_names=*/false, &out->databases);
  ReadNameFilter(r, "tables", /*table_names=*/true, &out->tables);
  r.Bool("replicateExtensionTables", &out->replicateExtensionTables);
  if (auto roles = r.Object("roles")) {
    roles->Bool("migrate", &out->roles.migrate);
    roles->StringList("exclude", &out->roles.exclude);
    roles->Finish();
  }
  if (auto extensions = r.Object("extensions")) {
    extensions->StringList("exclude", &out->extensions.exclude);
    extensions->Finish();
  }
  r.Bool("createDatabases", &out->createDatabases);
  if (auto replication = r.Object("replication")) {
    replication->Int64("maxLagBytes", &out->replication.maxLagBytes, 0);
    replication->Bool("cutover", &out->replication.cutover);
    replication->Bool("syncSequences", &out->replication.syncSequences);
    replication->Finish();
  }
  if (auto dump = r.Object("dump")) {
    dump->Int("jobs", &out->dump.jobs, 1, 64);
    dump->Finish();
  }
  r.OneOf("cleanupPolicy", &out->cleanupPolicy, kCleanupPolicies);
  r.Bool("suspend", &out->suspend);
  r.OneOf("verify", &out->verify, kVerifyModes);
  r.Finish();
}

Result<MigrationSpec> SpecFromJson(const json& spec) {
  std::vector<std::string> errors;
  JsonReader r(spec, "spec", &errors, /*strict=*/true);
  MigrationSpec out;
  ReadSpec(r, &out);
  RETURN_IF_ERROR(ErrorsToStatus(errors));
  return out;
}

json SpecToJson(const MigrationSpec& s) {
  return {{"source", ServerToJson(s.source)},
          {"destination", ServerToJson(s.destination)},
          {"method", s.method},
          {"databases", {{"include", s.databases.include}, {"exclude", s.databases.exclude}}},
          {"tables", {{"include", s.tables.include}, {"exclude", s.tables.exclude}}},
          {"replicateExtensionTables", s.replicateExtensionTables},
          {"roles", {{"migrate", s.roles.migrate}, {"exclude", s.roles.exclude}}},
          {"extensions", {{"exclude", s.extensions.exclude}}},
          {"createDatabases", s.createDatabases},
          {"replication",
           {{"maxLagBytes", s.replication.maxLagBytes},
            {"cutover", s.replication.cutover},
            {"syncSequences", s.replication.syncSequences}}},
          {"dump", {{"jobs", s.dump.jobs}}},
          {"cleanupPolicy", s.cleanupPolicy},
          {"suspend", s.suspend},
          {"verify", s.verify}};
}

}  // namespace pgferry::api
