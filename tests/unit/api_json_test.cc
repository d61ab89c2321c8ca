#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reconcilers/api/migration_json.h"

namespace pgferry::api {
namespace {

using nlohmann::json;

json MinimalSpec() {
  return json::parse(R"({
    "source": {"host": "src.example.com", "credentialsSecretRef": {"name": "src-pg"}},
    "destination": {"host": "dst.example.com", "credentialsSecretRef": {"name": "dst-pg"}}
  })");
}

// The error message SpecFromJson gives for MinimalSpec() with `patch` merged in.
std::string SpecError(const json& patch) {
  json spec = MinimalSpec();
  spec.merge_patch(patch);
  auto result = SpecFromJson(spec);
  EXPECT_FALSE(result.ok()) << spec.dump();
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  return result.status().message();
}

TEST(SpecFromJson, MinimalSpecGetsTheDocumentedDefaults) {
  auto spec = SpecFromJson(MinimalSpec());
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const ServerSpec& src = spec->source;
  EXPECT_EQ(src.host, "src.example.com");
  EXPECT_EQ(src.port, 5432);
  EXPECT_EQ(src.dbname, "postgres");
  EXPECT_EQ(src.sslMode, "prefer");
  EXPECT_FALSE(src.sslRootCertSecretRef.has_value());
  EXPECT_EQ(src.credentialsSecretRef.name, "src-pg");
  EXPECT_EQ(src.credentialsSecretRef.usernameKey, "username");
  EXPECT_EQ(src.credentialsSecretRef.passwordKey, "password");
  EXPECT_EQ(src.connectTimeoutSeconds, 10);
  EXPECT_EQ(spec->destination.credentialsSecretRef.name, "dst-pg");
  EXPECT_EQ(spec->method, "auto");
  EXPECT_TRUE(spec->databases.include.empty() && spec->databases.exclude.empty());
  EXPECT_TRUE(spec->tables.include.empty() && spec->tables.exclude.empty());
  EXPECT_TRUE(spec->replicateExtensionTables);
  EXPECT_TRUE(spec->roles.migrate);
  EXPECT_TRUE(spec->createDatabases);
  EXPECT_EQ(spec->replication.maxLagBytes, 0);
  EXPECT_FALSE(spec->replication.cutover);
  EXPECT_TRUE(spec->replication.syncSequences);
  EXPECT_EQ(spec->dump.jobs, 2);
  EXPECT_EQ(spec->cleanupPolicy, "Delete");
  EXPECT_FALSE(spec->suspend);
  EXPECT_EQ(spec->verify, "none");
}

TEST(SpecFromJson, NullFieldsCountAsAbsent) {
  json spec = MinimalSpec();
  spec["source"]["port"] = nullptr;
  spec["method"] = nullptr;
  spec["tables"] = nullptr;
  auto parsed = SpecFromJson(spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->source.port, 5432);
  EXPECT_EQ(parsed->method, "auto");
}

TEST(SpecFromJson, ReadsEveryField) {
  json spec = json::parse(R"({
    "source": {"host": "s", "port": 6432, "dbname": "defaultdb", "sslMode": "verify-full",
               "sslRootCertSecretRef": {"name": "src-ca", "key": "ca.crt"},
               "credentialsSecretRef": {"name": "src-pg", "usernameKey": "user",
                                        "passwordKey": "pass"},
               "connectTimeoutSeconds": 3},
    "destination": {"host": "d", "credentialsSecretRef": {"name": "dst-pg"}},
    "method": "dump",
    "databases": {"exclude": ["db_to_skip"]},
    "tables": {"include": ["app.public.orders", "\"Mixed\""]},
    "replicateExtensionTables": false,
    "roles": {"migrate": false, "exclude": ["admin"]},
    "extensions": {"exclude": ["timescaledb"]},
    "createDatabases": false,
    "replication": {"maxLagBytes": 1048576, "cutover": true, "syncSequences": false},
    "dump": {"jobs": 8},
    "cleanupPolicy": "Retain",
    "suspend": true,
    "verify": "checksums"
  })");
  auto parsed = SpecFromJson(spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->source.port, 6432);
  EXPECT_EQ(parsed->source.sslRootCertSecretRef, (SecretKeyRef{"src-ca", "ca.crt"}));
  EXPECT_EQ(parsed->source.credentialsSecretRef.passwordKey, "pass");
  EXPECT_EQ(parsed->method, "dump");
  EXPECT_EQ(parsed->tables.include.size(), 2u);
  EXPECT_EQ(parsed->replication.maxLagBytes, 1048576);
  EXPECT_EQ(parsed->dump.jobs, 8);
  EXPECT_EQ(parsed->cleanupPolicy, "Retain");
  EXPECT_TRUE(parsed->suspend);
  EXPECT_EQ(parsed->verify, "checksums");
  // Everything read is written back, so the spec survives a round trip.
  auto again = SpecFromJson(SpecToJson(parsed.value()));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again.value(), parsed.value());
}

TEST(SpecFromJson, RejectsPortOutOfRange) {
  EXPECT_EQ(SpecError({{"source", {{"port", 70000}}}}), "spec.source.port: must be 1..65535");
  EXPECT_EQ(SpecError({{"destination", {{"port", 0}}}}), "spec.destination.port: must be 1..65535");
  EXPECT_EQ(SpecError({{"source", {{"port", -1}}}}), "spec.source.port: must be 1..65535");
}

TEST(SpecFromJson, RejectsValuesOfTheWrongType) {
  EXPECT_EQ(SpecError({{"source", {{"port", "5432"}}}}), "spec.source.port: must be an integer");
  EXPECT_EQ(SpecError({{"source", {{"port", 5432.5}}}}), "spec.source.port: must be an integer");
  EXPECT_EQ(SpecError({{"source", {{"host", 10}}}}), "spec.source.host: must be a string");
  EXPECT_EQ(SpecError({{"suspend", "yes"}}), "spec.suspend: must be a boolean (true or false)");
  EXPECT_EQ(SpecError({{"source", "src.example.com"}}), "spec.source: must be an object");
  EXPECT_EQ(SpecError({{"tables", {{"exclude", "audit_log"}}}}),
            "spec.tables.exclude: must be a list");
  EXPECT_EQ(SpecError({{"tables", {{"exclude", {"a", 7}}}}}),
            "spec.tables.exclude[1]: must be a string");
  auto not_object = SpecFromJson(json::array());
  EXPECT_EQ(not_object.status().message(), "spec: must be an object");
}

TEST(SpecFromJson, RejectsUnknownFieldsWithTheirPath) {
  EXPECT_EQ(SpecError({{"sourcee", {{"host", "x"}}}}), "spec.sourcee: unknown field");
  EXPECT_EQ(SpecError({{"dump", {{"parallel", 4}}}}), "spec.dump.parallel: unknown field");
  // A misspelt required field shows both problems, in document order.
  json spec = MinimalSpec();
  spec["source"].erase("host");
  spec["source"]["hots"] = "src";
  EXPECT_EQ(SpecFromJson(spec).status().message(),
            "spec.source.host: required; spec.source.hots: unknown field");
}

TEST(SpecFromJson, RequiresSourceDestinationHostAndCredentials) {
  json spec = MinimalSpec();
  spec.erase("source");
  EXPECT_EQ(SpecFromJson(spec).status().message(), "spec.source: required");
  spec = MinimalSpec();
  spec.erase("destination");
  EXPECT_EQ(SpecFromJson(spec).status().message(), "spec.destination: required");
  EXPECT_EQ(SpecError({{"source", {{"host", ""}}}}), "spec.source.host: must not be empty");
  EXPECT_EQ(SpecError({{"source", {{"host", nullptr}}}}), "spec.source.host: required");
  EXPECT_EQ(SpecError({{"source", {{"credentialsSecretRef", nullptr}}}}),
            "spec.source.credentialsSecretRef: required");
  EXPECT_EQ(SpecError({{"destination", {{"credentialsSecretRef", {{"name", nullptr}}}}}}),
            "spec.destination.credentialsSecretRef.name: required");
  EXPECT_EQ(SpecError({{"source", {{"sslRootCertSecretRef", {{"name", "ca"}}}}}}),
            "spec.source.sslRootCertSecretRef.key: required");
}

TEST(SpecFromJson, RejectsWordsOutsideTheEnums) {
  EXPECT_EQ(SpecError({{"source", {{"sslMode", "strict"}}}}),
            "spec.source.sslMode: must be one of "
            "disable|allow|prefer|require|verify-ca|verify-full (got \"strict\")");
  EXPECT_EQ(SpecError({{"method", "logical"}}),
            "spec.method: must be one of auto|replication|dump|schema_only (got \"logical\")");
  EXPECT_EQ(SpecError({{"cleanupPolicy", "delete"}}),
            "spec.cleanupPolicy: must be one of Delete|Retain (got \"delete\")");
  EXPECT_EQ(SpecError({{"verify", "rows"}}), "spec.verify: must be one of none|counts|checksums (got \"rows\")");
}

TEST(SpecFromJson, RejectsNumbersOutOfTheirRange) {
  EXPECT_EQ(SpecError({{"source", {{"connectTimeoutSeconds", 0}}}}),
            "spec.source.connectTimeoutSeconds: must be >= 1");
  EXPECT_EQ(SpecError({{"dump", {{"jobs", 0}}}}), "spec.dump.jobs: must be 1..64");
  EXPECT_EQ(SpecError({{"dump", {{"jobs", 65}}}}), "spec.dump.jobs: must be 1..64");
  EXPECT_EQ(SpecError({{"replication", {{"maxLagBytes", -1}}}}),
            "spec.replication.maxLagBytes: must be >= 0");
}

TEST(SpecFromJson, IncludeAndExcludeAreMutuallyExclusive) {
  EXPECT_EQ(SpecError({{"tables", {{"include", {"a"}}, {"exclude", {"b"}}}}}),
            "spec.tables: include and exclude are mutually exclusive");
  EXPECT_EQ(SpecError({{"databases", {{"include", {"a"}}, {"exclude", {"b"}}}}}),
            "spec.databases: include and exclude are mutually exclusive");
}

TEST(SpecFromJson, TableNamesMustParse) {
  EXPECT_EQ(SpecError({{"tables", {{"exclude", {"audit_log", "public.x", "a.b.c.d"}}}}}),
            "spec.tables.exclude[2]: more than two dots in \"a.b.c.d\"");
  EXPECT_EQ(SpecError({{"tables", {{"include", {"a..b"}}}}}),
            "spec.tables.include[0]: empty name part in \"a..b\"");
  EXPECT_EQ(SpecError({{"databases", {{"exclude", {""}}}}}),
            "spec.databases.exclude[0]: must not be empty");
}

MigrationStatus SampleStatus() {
  MigrationStatus s;
  s.observedGeneration = 3;
  s.phase = kPhaseSyncing;
  s.method = kMethodReplication;
  s.progress = "1/2";
  s.lagBytes = 512;
  s.startTime = "2024-05-01T10:00:00Z";
  s.migrationId = "a1b2c3";
  DatabaseStatus app;
  app.dbname = "app";
  app.method = kMethodReplication;
  app.status = kDbSyncing;
  app.tablesTotal = 12;
  app.tablesSynced = 12;
  app.lagBytes = 512;
  app.rowsCopied = 100000;
  app.replicationObjects = {"pgferry_a1b2c3_1234", "pgferry_a1b2c3_1234", "pgferry_a1b2c3_1234"};
  app.sequencesSynced = {{"public.orders_id_seq", 42}};
  app.verification = Verification{"checksums", kVerifyFailed, 12, 100000, 1,
                                  {"public.a: 3 rows on the source, 2 on the destination"}, "2024-05-01T10:00:30Z"};
  DatabaseStatus legacy;
  legacy.dbname = "legacy";
  legacy.method = kMethodDump;
  legacy.status = kDbFailed;
  legacy.error = "wal_level is replica; falling back to pg_dump";
  legacy.warnings = {"extension \"plpgsql\" already exists"};
  s.databases = {app, legacy};
  s.roles = {{"app_rw", "created", std::nullopt}, {"admin", "failed", "permission denied"}};
  s.conditions = {
      {"Ready", "False", "Syncing", "1 of 2 databases in sync", "2024-05-01T10:01:00Z", 3}};
  return s;
}

TEST(StatusJson, UsesTheDocumentedKeysAndNullForNoError) {
  json j = StatusToJson(SampleStatus());
  EXPECT_EQ(j["observedGeneration"], 3);
  EXPECT_EQ(j["phase"], "Syncing");
  EXPECT_EQ(j["method"], "replication");
  EXPECT_TRUE(j.contains("error") && j["error"].is_null());
  EXPECT_EQ(j["progress"], "1/2");
  EXPECT_EQ(j["lagBytes"], 512);
  EXPECT_EQ(j["startTime"], "2024-05-01T10:00:00Z");
  EXPECT_FALSE(j.contains("completionTime"));
  const json& app = j["databases"][0];
  EXPECT_EQ(app["dbname"], "app");
  EXPECT_EQ(app["status"], "syncing");
  EXPECT_TRUE(app["error"].is_null());
  EXPECT_EQ(app["tablesTotal"], 12);
  EXPECT_EQ(app["rowsCopied"], 100000);
  EXPECT_EQ(app["replicationObjects"]["slot"], "pgferry_a1b2c3_1234");
  EXPECT_EQ(app["verification"]["result"], "failed");
  EXPECT_EQ(app["verification"]["differing"], 1);
  EXPECT_EQ(app["verification"]["mismatches"][0], "public.a: 3 rows on the source, 2 on the destination");
  const json& legacy = j["databases"][1];
  EXPECT_EQ(legacy["method"], "pg_dump");
  EXPECT_EQ(legacy["error"], "wal_level is replica; falling back to pg_dump");
  EXPECT_FALSE(legacy.contains("replicationObjects"));
  EXPECT_FALSE(legacy.contains("verification"));
  EXPECT_EQ(j["roles"][0], json::parse(R"({"rolname":"app_rw","status":"created","error":null})"));
  EXPECT_EQ(j["conditions"][0]["type"], "Ready");
  EXPECT_EQ(j["conditions"][0]["lastTransitionTime"], "2024-05-01T10:01:00Z");
  EXPECT_EQ(j["conditions"][0]["observedGeneration"], 3);
}

TEST(StatusJson, EmptyStatusKeepsListsAndNullError) {
  json j = StatusToJson(MigrationStatus{});
  EXPECT_EQ(j["phase"], "Pending");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["databases"], json::array());
  EXPECT_EQ(j["roles"], json::array());
  EXPECT_EQ(j["conditions"], json::array());
}

TEST(StatusJson, RoundTripsThroughJson) {
  MigrationStatus original = SampleStatus();
  auto back = StatusFromJson(json::parse(StatusToJson(original).dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back.value(), original);
}

TEST(StatusJson, IgnoresUnknownFieldsButChecksTypes) {
  auto lenient = StatusFromJson(json::parse(R"({"phase": "Done", "futureField": 1})"));
  ASSERT_TRUE(lenient.ok()) << lenient.status().message();
  EXPECT_EQ(lenient->phase, "Done");
  auto wrong = StatusFromJson(
      json::parse(R"({"databases": [{"dbname": "app"}, {"dbname": "b", "lagBytes": "1"}]})"));
  EXPECT_EQ(wrong.status().message(), "status.databases[1].lagBytes: must be an integer");
}

json MinimalObject() {
  return {{"apiVersion", "pgferry.io/v1alpha1"},
          {"kind", "PgMigration"},
          {"metadata", {{"name", "orders"}}},
          {"spec", MinimalSpec()}};
}

TEST(PgMigrationFromJson, ReadsMetadataWithDefaultNamespace) {
  auto m = PgMigrationFromJson(MinimalObject());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->metadata.name, "orders");
  EXPECT_EQ(m->metadata.namespace_, "default");
  EXPECT_EQ(m->spec.source.host, "src.example.com");
  EXPECT_EQ(m->status, MigrationStatus{});
}

TEST(PgMigrationFromJson, ReadsAnObjectFromTheApiServer) {
  json object = MinimalObject();
  object["metadata"] = json::parse(R"({
    "name": "orders", "namespace": "shop", "uid": "u-1", "generation": 4,
    "resourceVersion": "981", "labels": {"team": "db"}, "annotations": {"a": "b"},
    "finalizers": ["pgferry.io/cleanup"], "creationTimestamp": "2024-05-01T10:00:00Z",
    "deletionTimestamp": "2024-05-02T10:00:00Z", "managedFields": [{"manager": "kubectl"}]
  })");
  object["status"] = StatusToJson(SampleStatus());
  auto m = PgMigrationFromJson(object);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->metadata.namespace_, "shop");
  EXPECT_EQ(m->metadata.uid, "u-1");
  EXPECT_EQ(m->metadata.generation, 4);
  EXPECT_EQ(m->metadata.resourceVersion, "981");
  EXPECT_EQ(m->metadata.labels.at("team"), "db");
  EXPECT_EQ(m->metadata.annotations.at("a"), "b");
  EXPECT_EQ(m->metadata.finalizers, std::vector<std::string>{kFinalizer});
  EXPECT_EQ(m->metadata.deletionTimestamp, "2024-05-02T10:00:00Z");
  EXPECT_EQ(m->status, SampleStatus());
  auto again = PgMigrationFromJson(PgMigrationToJson(m.value()));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again.value(), m.value());
}

TEST(PgMigrationFromJson, RejectsWrongApiVersionKindAndMissingName) {
  json object = MinimalObject();
  object["apiVersion"] = "pgferry.io/v1";
  EXPECT_EQ(PgMigrationFromJson(object).status().message(),
            "apiVersion: must be pgferry.io/v1alpha1 (got \"pgferry.io/v1\")");
  object = MinimalObject();
  object["kind"] = "Migration";
  EXPECT_EQ(PgMigrationFromJson(object).status().message(),
            "kind: must be PgMigration (got \"Migration\")");
  object = MinimalObject();
  object["metadata"].erase("name");
  EXPECT_EQ(PgMigrationFromJson(object).status().message(), "metadata.name: required");
  object = MinimalObject();
  object.erase("spec");
  EXPECT_EQ(PgMigrationFromJson(object).status().message(), "spec: required");
  object = MinimalObject();
  object["specs"] = json::object();
  EXPECT_EQ(PgMigrationFromJson(object).status().message(), "specs: unknown field");
  object = MinimalObject();
  object["spec"]["source"]["port"] = 99999;
  EXPECT_EQ(PgMigrationFromJson(object).status().message(), "spec.source.port: must be 1..65535");
}

}  // namespace
}  // namespace pgferry::api
