// The PgMigration API lives in three places that must agree: the CRD's OpenAPI schema
// (crds/pgferry.io_pgmigrations.yaml, the source of truth), the C++ types with their JSON
// conversion (reconcilers/api), and the sample (crds/samples/pgmigration.yaml). A field added to
// one and not the others, a default or an enum word changed in one place, fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "operator/manifest/yaml_to_json.h"
#include "reconcilers/api/migration_json.h"

namespace pgferry::api {
namespace {

using Json = nlohmann::json;

// The repository root, from this file's path (tests/unit/api_agreement_test.cc).
std::string RepoFile(const std::string& relative) {
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/tests/unit/")) + "/" + relative;
}

std::vector<Json> Documents(const std::string& relative) {
  std::ifstream in(RepoFile(relative));
  std::stringstream text;
  text << in.rdbuf();
  auto docs = manifest::ParseYamlDocuments(text.str(), relative);
  EXPECT_TRUE(docs.ok()) << docs.status().message();
  std::vector<Json> out;
  if (docs.ok())
    for (auto& d : *docs) out.push_back(d.value);
  return out;
}

const Json& CrdSchema() {
  static const Json schema = [] {
    std::vector<Json> docs = Documents("crds/pgferry.io_pgmigrations.yaml");
    return docs.empty() ? Json::object()
                        : docs[0]["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  }();
  return schema;
}

// Field paths of a schema node ("source.port", "databases[].dbname"); maps (additionalProperties)
// are leaves.
void SchemaPaths(const Json& node, const std::string& prefix, std::set<std::string>* out) {
  if (node.contains("properties")) {
    for (const auto& [name, child] : node["properties"].items()) {
      std::string path = prefix.empty() ? name : prefix + "." + name;
      out->insert(path);
      SchemaPaths(child, path, out);
    }
  }
  if (node.value("type", "") == "array" && node.contains("items"))
    SchemaPaths(node["items"], prefix + "[]", out);
}

// The same for a JSON value: object keys, and the elements of arrays of objects.
void ValuePaths(const Json& value, const std::string& prefix, std::set<std::string>* out,
                const std::set<std::string>& maps) {
  if (value.is_object() && !maps.count(prefix)) {
    for (const auto& [name, child] : value.items()) {
      std::string path = prefix.empty() ? name : prefix + "." + name;
      out->insert(path);
      ValuePaths(child, path, out, maps);
    }
  }
  if (value.is_array())
    for (const auto& e : value) ValuePaths(e, prefix + "[]", out, maps);
}

// A spec with every optional part present, so that SpecToJson writes every field.
MigrationSpec FullSpec() {
  MigrationSpec s;
  s.source.host = "src";
  s.source.sslRootCertSecretRef = SecretKeyRef{"ca", "ca.crt"};
  s.source.credentialsSecretRef.name = "pg";
  s.destination = s.source;
  s.destination.host = "dst";
  return s;
}

// A status with one database, role and condition, every optional part present.
MigrationStatus FullStatus() {
  MigrationStatus s;
  s.phase = kPhaseSyncing;
  s.error = "e";
  s.startTime = "2026-01-01T00:00:00Z";
  s.completionTime = "2026-01-01T00:00:00Z";
  s.migrationId = "0badf00d";
  DatabaseStatus d;
  d.dbname = "app";
  d.error = "e";
  d.replicationObjects = {"p", "s", "sub"};
  d.warnings = {"w"};
  d.sequencesSynced = {{"public.s", 1}};
  d.verification = Verification{"checksums", kVerifyFailed, 2, 10, 1, {"public.t: differs"}, "2026-01-01T00:00:00Z"};
  s.databases.push_back(d);
  s.roles.push_back({"r", "created", std::string("e")});
  s.conditions.push_back({"Ready", "True", "Done", "m", "2026-01-01T00:00:00Z", 1});
  return s;
}

std::string Diff(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const auto& x : a)
    if (!b.count(x)) out += " " + x;
  return out.empty() ? " (none)" : out;
}

TEST(ApiAgreement, TheSpecTypesHaveExactlyTheSchemasFields) {
  std::set<std::string> schema, types;
  SchemaPaths(CrdSchema()["properties"]["spec"], "", &schema);
  ValuePaths(SpecToJson(FullSpec()), "", &types, {});
  ASSERT_FALSE(schema.empty());
  EXPECT_EQ(types, schema) << "only in the C++ types:" << Diff(types, schema)
                           << "\nonly in the CRD schema:" << Diff(schema, types);
}

TEST(ApiAgreement, TheStatusTypesHaveExactlyTheSchemasFields) {
  std::set<std::string> schema, types;
  SchemaPaths(CrdSchema()["properties"]["status"], "", &schema);
  ValuePaths(StatusToJson(FullStatus()), "", &types, {"databases[].sequencesSynced"});
  ASSERT_FALSE(schema.empty());
  EXPECT_EQ(types, schema) << "only in the C++ types:" << Diff(types, schema)
                           << "\nonly in the CRD schema:" << Diff(schema, types);
}

// Every default of the schema is the C++ default, and every scalar C++ default that is not
// empty/zero/false is a schema default.
TEST(ApiAgreement, DefaultsAreTheSame) {
  const Json defaults = SpecToJson(MigrationSpec{});
  std::function<void(const Json&, const Json&, const std::string&)> walk =
      [&](const Json& node, const Json& value, const std::string& path) {
        if (node.contains("default") && !node["default"].is_object()) {
          EXPECT_EQ(value, node["default"]) << "default of spec." << path;
        }
        if (!node.contains("properties")) {
          bool zero = value.is_null() || value == false || value == 0 || value == "" ||
                      (value.is_array() && value.empty());
          if (!zero && !value.is_object())
            EXPECT_TRUE(node.contains("default"))
                << "spec." << path << " defaults to " << value << " in C++ but not in the CRD";
          return;
        }
        for (const auto& [name, child] : node["properties"].items())
          walk(child, value.is_object() && value.contains(name) ? value[name] : Json(),
               path.empty() ? name : path + "." + name);
      };
  walk(CrdSchema()["properties"]["spec"], defaults, "");
}

// Every enum word of the schema is accepted by the C++ reader, and a word outside it is not.
TEST(ApiAgreement, EnumsAreTheSame) {
  const Json spec = CrdSchema()["properties"]["spec"];
  const Json base = SpecToJson(FullSpec());
  struct Field {
    std::vector<std::string> path;
  };
  for (const Field& f : std::vector<Field>{{{"method"}},
                                           {{"cleanupPolicy"}},
                                           {{"source", "sslMode"}},
                                           {{"destination", "sslMode"}}}) {
    Json node = spec;
    for (const auto& p : f.path) node = node["properties"][p];
    ASSERT_TRUE(node.contains("enum")) << f.path.back();
    for (const auto& word : node["enum"]) {
      Json s = base;
      Json* at = &s;
      for (const auto& p : f.path) at = &(*at)[p];
      *at = word;
      EXPECT_TRUE(SpecFromJson(s).ok()) << f.path.back() << ": " << word;
    }
    Json s = base;
    Json* at = &s;
    for (const auto& p : f.path) at = &(*at)[p];
    *at = "not-a-word";
    EXPECT_FALSE(SpecFromJson(s).ok()) << f.path.back();
  }
}

TEST(ApiAgreement, TheSampleIsReadByTheTypesAndUsesOnlySchemaFields) {
  std::set<std::string> schema;
  SchemaPaths(CrdSchema()["properties"]["spec"], "", &schema);
  int migrations = 0;
  for (const Json& doc : Documents("crds/samples/pgmigration.yaml")) {
    if (doc.value("kind", "") != kKind) continue;
    ++migrations;
    auto m = PgMigrationFromJson(doc);
    EXPECT_TRUE(m.ok()) << m.status().message();
    std::set<std::string> used;
    ValuePaths(doc["spec"], "", &used, {});
    for (const auto& p : used) EXPECT_TRUE(schema.count(p)) << "sample field spec." << p;
  }
  EXPECT_EQ(migrations, 1);
}

}  // namespace
}  // namespace pgferry::api
