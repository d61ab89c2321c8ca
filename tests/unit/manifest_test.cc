#include "operator/manifest/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>

#include "operator/manifest/base64.h"
#include "operator/manifest/yaml_to_json.h"

namespace pgferry::manifest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPassword = "hunter2-s3cret";

// A Secret whose password is kPassword ("aHVudGVyMi1zM2NyZXQ=" in base64).
constexpr const char* kSourceSecret = R"(apiVersion: v1
kind: Secret
metadata:
  name: src-pg
data:
  username: YWRtaW4=
  password: aHVudGVyMi1zM2NyZXQ=
)";

constexpr const char* kMigration = R"(apiVersion: pgferry.io/v1alpha1
kind: PgMigration
metadata:
  name: orders
spec:
  source:
    host: src.example.com
    credentialsSecretRef: {name: src-pg}
  destination:
    host: dst.example.com
    credentialsSecretRef: {name: dst-pg}
)";

constexpr const char* kDestSecret = R"(apiVersion: v1
kind: Secret
metadata: {name: dst-pg}
stringData:
  username: postgres
  password: "0123"
)";

std::string Stream(std::initializer_list<const char*> docs) {
  std::string out;
  for (const char* d : docs) out += std::string("---\n") + d;
  return out;
}

std::string LoadError(const std::string& yaml, const std::string& origin = "m.yaml") {
  auto m = LoadString(yaml, origin);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), Not(HasSubstr(kPassword)));
  return m.status().message();
}

// A file in the test's temporary directory, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) : path_(testing::TempDir() + name) {
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadManifest, ReadsMigrationAndSecretsFromOneStream) {
  auto m = LoadString(Stream({kSourceSecret, kMigration, kDestSecret}), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->migration.metadata.name, "orders");
  EXPECT_EQ(m->migration.metadata.namespace_, "default");
  EXPECT_EQ(m->migration.spec.source.port, 5432);  // defaults applied
  EXPECT_EQ(m->migration.spec.method, "auto");
  ASSERT_EQ(m->secrets.size(), 2u);
  EXPECT_EQ(m->secrets[0].name, "src-pg");
  EXPECT_EQ(m->secrets[0].data.at("password"), kPassword);  // base64 decoded
  EXPECT_EQ(m->secrets[1].data.at("password"), "0123");     // stringData as written
}

TEST(LoadManifest, StringDataOverridesData) {
  auto m = LoadString(Stream({kMigration, R"(apiVersion: v1
kind: Secret
metadata: {name: src-pg}
data: {username: YWRtaW4=, password: b2xk}
stringData: {password: new}
)"}),
                      "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->secrets[0].data.at("username"), "admin");
  EXPECT_EQ(m->secrets[0].data.at("password"), "new");
}

TEST(LoadManifest, InvalidBase64NamesTheSecretAndKeyButNotTheValue) {
  EXPECT_EQ(LoadError(Stream({kMigration, R"(apiVersion: v1
kind: Secret
metadata: {name: src-pg}
data:
  password: hunter2-s3cret
)"})),
            "m.yaml:line 18: Secret \"src-pg\": data.password: invalid base64");
}

TEST(LoadManifest, SecretFieldErrorsNeverShowValues) {
  EXPECT_EQ(LoadError(Stream({kMigration, R"(apiVersion: v1
kind: Secret
metadata: {name: src-pg}
stringData: {password: 12345}
)"})),
            "m.yaml:line 17: Secret \"src-pg\": stringData.password: must be a string");
  EXPECT_EQ(LoadError(Stream({kMigration, "apiVersion: v1\nkind: Secret\nmetadata: {}\n"})),
            "m.yaml:line 16: Secret: metadata.name: required");
  EXPECT_EQ(
      LoadError(Stream({kMigration, "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nx: 1\n"})),
      "m.yaml:line 17: Secret \"a\": x: unknown field");
}

TEST(LoadManifest, ReadsDocumentsAcrossSeveralFiles) {
  TempFile secrets("secrets.yaml",
                   Stream({kSourceSecret, kDestSecret}) + "---\n# only a comment\n");
  TempFile migration("migration.yaml", kMigration);
  auto m = LoadFiles({secrets.path(), migration.path()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->migration.metadata.name, "orders");
  EXPECT_EQ(m->secrets.size(), 2u);
}

TEST(LoadManifest, RequiresExactlyOnePgMigration) {
  TempFile a("a.yaml", kSourceSecret);
  TempFile b("b.yaml", kDestSecret);
  auto none = LoadFiles({a.path(), b.path()});
  EXPECT_EQ(none.status().message(), "no PgMigration in " + a.path() + ", " + b.path());
  EXPECT_EQ(LoadError("", "empty.yaml"), "no PgMigration in empty.yaml");
  EXPECT_EQ(LoadError(Stream({kMigration, kMigration})),
            "m.yaml:line 14: a second PgMigration \"orders\" (the first, \"orders\", is at "
            "m.yaml:line 2); give pgferry exactly one");
}

TEST(LoadManifest, RejectsOtherKinds) {
  EXPECT_EQ(
      LoadError(Stream({kMigration, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"})),
      "m.yaml:line 14: unsupported kind \"ConfigMap\" (apiVersion \"v1\"); expected "
      "pgferry.io/v1alpha1 PgMigration or v1 Secret");
  EXPECT_EQ(LoadError("apiVersion: v1\nmetadata: {name: x}\n"), "m.yaml:line 1: kind: required");
  EXPECT_EQ(LoadError("- a\n- b\n"),
            "m.yaml:line 1: a document must be a mapping with apiVersion and kind");
  EXPECT_EQ(LoadError("apiVersion: pgferry.io/v1beta1\nkind: PgMigration\n"
                      "metadata: {name: x}\nspec: {}\n"),
            "m.yaml:line 1: apiVersion: must be pgferry.io/v1alpha1 (got \"pgferry.io/v1beta1\"); "
            "spec.source: required; spec.destination: required");
}

TEST(LoadManifest, ReportsYamlSyntaxErrorsWithTheLine) {
  EXPECT_EQ(LoadError("apiVersion: v1\nkind: Secret: x\n"), "m.yaml:line 2: illegal map value");
  EXPECT_EQ(LoadError("a: [1, 2\n"), "m.yaml:line 2: end of sequence flow not found");
  EXPECT_EQ(LoadError("a: 1\na: 2\n"), "m.yaml:line 2: duplicate key \"a\"");
}

TEST(LoadManifest, ReportsAMissingFile) {
  auto m = LoadFiles({"/nonexistent/migration.yaml"});
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), "/nonexistent/migration.yaml: No such file or directory");
  EXPECT_EQ(LoadFiles({}).status().message(), "no manifest file given");
}

TEST(LoadManifest, SpecErrorsNameTheFieldAndItsLine) {
  std::string yaml = kMigration;
  yaml.replace(yaml.find("    host: src"), 0, "    port: 70000\n");
  EXPECT_EQ(LoadError(yaml), "m.yaml:line 7: spec.source.port: must be 1..65535");
  yaml = kMigration;
  yaml.replace(yaml.find("    host: src"), 0, "    port: \"5432\"\n");
  EXPECT_EQ(LoadError(yaml), "m.yaml:line 7: spec.source.port: must be an integer");
  yaml = std::string(kMigration) + "  tables:\n    exclude: [a, b.c, w.x.y.z]\n";
  EXPECT_EQ(LoadError(yaml),
            "m.yaml:line 13: spec.tables.exclude[2]: more than two dots in \"w.x.y.z\"");
  yaml = std::string(kMigration) + "  suspend: yes\n";
  EXPECT_EQ(LoadError(yaml), "m.yaml:line 12: spec.suspend: must be a boolean (true or false)");
  yaml = std::string(kMigration) + "  dump: {jobz: 3}\n";
  EXPECT_EQ(LoadError(yaml), "m.yaml:line 12: spec.dump.jobz: unknown field");
}

TEST(LoadManifest, YamlScalarsKeepTheirTypes) {
  std::string yaml = std::string(kMigration) +
                     "  suspend: true\n"
                     "  createDatabases: False\n"
                     "  replication: {maxLagBytes: !!int \"4096\", cutover: null}\n"
                     "  databases: {exclude: [\"123\", 'true', ~x]}\n";
  auto m = LoadString(yaml, "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->migration.spec.suspend);
  EXPECT_FALSE(m->migration.spec.createDatabases);
  EXPECT_EQ(m->migration.spec.replication.maxLagBytes, 4096);
  EXPECT_FALSE(m->migration.spec.replication.cutover);
  EXPECT_EQ(m->migration.spec.databases.exclude, (std::vector<std::string>{"123", "true", "~x"}));
}

TEST(YamlToJson, ResolvesScalarsLikeTheCoreSchema) {
  auto docs = ParseYamlDocuments(
      "a: 1\nb: \"1\"\nc: -7\nd: 0x1F\ne: 1.5\nf: true\ng: TRUE\nh: yes\ni:\nj: ~\n"
      "k: !!str 5\nl: |\n  text\nm: 10.0.0.1\nn: 99999999999999999999\no: 0o17\np: +5\n"
      "q: -.5e3\nr: 1.\ns: 1e\nt: 0x\nu: +-1\nv: .inf\n",
      "t.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 1u);
  nlohmann::json expected = nlohmann::json::parse(R"({
    "a": 1, "b": "1", "c": -7, "d": 31, "e": 1.5, "f": true, "g": true, "h": "yes",
    "i": null, "j": null, "k": "5", "l": "text\n", "m": "10.0.0.1", "o": 15, "p": 5,
    "q": -500.0, "r": 1.0, "s": "1e", "t": "0x", "u": "+-1"
  })");
  expected["v"] = std::numeric_limits<double>::infinity();
  expected["n"] = 99999999999999999999.0;
  EXPECT_EQ((*docs)[0].value, expected);
  auto bad = ParseYamlDocuments("a: !!int abc\n", "t.yaml");
  EXPECT_EQ(bad.status().message(), "t.yaml:line 1: value tagged !!int is not an integer");
}

TEST(YamlToJson, SkipsEmptyDocuments) {
  auto docs = ParseYamlDocuments("---\n---\n# nothing\n---\na: 1\n---\n", "t.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].line, 5);
}

TEST(Base64, DecodesStandardPaddedText) {
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64("YWI="), "ab");
  EXPECT_EQ(DecodeBase64("YWJj"), "abc");
  EXPECT_EQ(DecodeBase64("aHVudGVy\nMi1zM2NyZXQ="), kPassword);
  EXPECT_EQ(DecodeBase64("/+8="), "\xff\xef");
}

TEST(Base64, RejectsMalformedText) {
  for (const char* bad : {"YQ", "YQ=", "Y===", "YQ=a", "Y!==", "YWJj YWJj", "=YWJ"}) {
    EXPECT_FALSE(DecodeBase64(bad).has_value()) << bad;
  }
}

TEST(ResolveCredentials, ReadsUserPasswordAndCaCertificate) {
  auto m = LoadString(Stream({kSourceSecret, kMigration, kDestSecret}), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto src = ResolveCredentials(m->migration.spec.source, m->secrets, "spec.source");
  ASSERT_TRUE(src.ok()) << src.status().message();
  EXPECT_EQ(src->user, "admin");
  EXPECT_EQ(src->password, kPassword);
  EXPECT_EQ(src->sslRootCert, "");

  api::ServerSpec server;
  server.credentialsSecretRef = {"creds", "user", "pass"};
  server.sslRootCertSecretRef = api::SecretKeyRef{"ca", "ca.crt"};
  std::vector<api::Secret> secrets = {{"creds", "default", {{"user", "u"}, {"pass", "p"}}},
                                      {"ca", "default", {{"ca.crt", "PEM"}}}};
  auto creds = ResolveCredentials(server, secrets, "spec.destination");
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(creds->user, "u");
  EXPECT_EQ(creds->password, "p");
  EXPECT_EQ(creds->sslRootCert, "PEM");
}

TEST(ResolveCredentials, SaysWhichSecretOrKeyIsMissing) {
  api::ServerSpec server;
  server.credentialsSecretRef.name = "src-pg";
  std::vector<api::Secret> secrets;
  auto missing = ResolveCredentials(server, secrets, "spec.source");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "spec.source.credentialsSecretRef: Secret \"src-pg\" not found");
  secrets.push_back({"src-pg", "default", {{"username", "admin"}, {"pw", kPassword}}});
  auto no_key = ResolveCredentials(server, secrets, "spec.source");
  EXPECT_EQ(no_key.status().message(),
            "spec.source.credentialsSecretRef: Secret \"src-pg\" has no key \"password\"");
  server.sslRootCertSecretRef = api::SecretKeyRef{"src-ca", "ca.crt"};
  server.credentialsSecretRef.passwordKey = "pw";
  auto no_ca = ResolveCredentials(server, secrets, "spec.source");
  EXPECT_EQ(no_ca.status().message(),
            "spec.source.sslRootCertSecretRef: Secret \"src-ca\" not found");
  EXPECT_THAT(no_ca.status().message(), Not(HasSubstr(kPassword)));
}

TEST(ResolveCredentials, MatchesTheMigrationNamespaceWhenGiven) {
  api::ServerSpec server;
  server.credentialsSecretRef.name = "pg";
  std::vector<api::Secret> secrets = {{"pg", "other", {{"username", "u"}, {"password", "p"}}}};
  EXPECT_TRUE(ResolveCredentials(server, secrets, "spec.source").ok());
  EXPECT_EQ(ResolveCredentials(server, secrets, "spec.source", "shop").status().message(),
            "spec.source.credentialsSecretRef: Secret \"pg\" not found");
}

TEST(LoadManifest, SecretsTakeTheNamespaceOfTheMigration) {
  std::string migration = kMigration;
  migration.replace(migration.find("  name: orders\n"), 0, "  namespace: shop\n");
  auto m = LoadString(Stream({migration.c_str(), kSourceSecret}), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->migration.metadata.namespace_, "shop");
  EXPECT_EQ(m->secrets[0].namespace_, "shop");
  EXPECT_EQ(
      LoadError(Stream({migration.c_str(),
                        "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: prod}\n"})),
      "m.yaml:line 15: Secret \"a\" is in namespace \"prod\" but PgMigration \"orders\" is in "
      "\"shop\"; a PgMigration can only use Secrets of its own namespace");
  EXPECT_EQ(LoadError(Stream({kMigration, kDestSecret, kDestSecret})),
            "m.yaml:line 21: Secret \"dst-pg\" is defined more than once");
}

}  // namespace
}  // namespace pgferry::manifest
