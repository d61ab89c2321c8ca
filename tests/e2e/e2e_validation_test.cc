// Invalid PgMigration manifests are refused by the server with the field named in kubectl's
// output (422 Invalid from the CRD schema and its CEL rules, 400 for unknown fields), and nothing
// is stored; a valid manifest passes a server-side dry run.
#include <gmock/gmock.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

class ValidationTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
  }

  // Applies a PgMigration whose spec is `spec` (YAML under "spec:") and expects a refusal.
  CommandResult ApplyRefused(const std::string& spec) {
    std::string manifest =
        "apiVersion: pgferry.io/v1alpha1\nkind: PgMigration\nmetadata: {name: bad}\nspec:\n" + spec;
    CommandResult r = Apply(manifest);
    EXPECT_EQ(r.exit_code, 1) << r.all();
    CommandResult get = Kubectl({"get", "pgm", "bad"});
    EXPECT_EQ(get.exit_code, 1) << "the invalid object was stored";
    return r;
  }

  static std::string Servers(const std::string& source_extra = "") {
    return "  source: {host: src, credentialsSecretRef: {name: s}" + source_extra + "}\n"
           "  destination: {host: dst, credentialsSecretRef: {name: s}}\n";
  }
};

TEST_F(ValidationTest, PortOutOfRangeNamesTheField) {
  CommandResult r = ApplyRefused(Servers(", port: 70000"));
  EXPECT_THAT(r.err, HasSubstr("The PgMigration \"bad\" is invalid: spec.source.port: Invalid "
                               "value: 70000: spec.source.port in body should be less than or "
                               "equal to 65535"));
}

TEST_F(ValidationTest, TablesIncludeAndExcludeTogetherAreRefused) {
  CommandResult r = ApplyRefused(Servers() + "  tables: {include: [orders], exclude: [audit_log]}\n");
  EXPECT_THAT(r.err, HasSubstr("spec.tables: Invalid value: \"object\": include and exclude are "
                               "mutually exclusive"));
}

TEST_F(ValidationTest, DatabasesIncludeAndExcludeTogetherAreRefused) {
  CommandResult r = ApplyRefused(Servers() + "  databases: {include: [app], exclude: [other]}\n");
  EXPECT_THAT(r.err, HasSubstr("spec.databases: Invalid value: \"object\": include and exclude "
                               "are mutually exclusive"));
}

TEST_F(ValidationTest, SeveralErrorsAreListedTogether) {
  CommandResult r = ApplyRefused(Servers(", connectTimeoutSeconds: 0") +
                                 "  method: fast\n  dump: {jobs: 65}\n  cleanupPolicy: Keep\n");
  EXPECT_THAT(r.err, HasSubstr("The PgMigration \"bad\" is invalid: \n"));
  EXPECT_THAT(r.err, HasSubstr("* spec.method: Unsupported value: \"fast\": supported values: "
                               "\"auto\", \"replication\", \"dump\", \"schema_only\""));
  EXPECT_THAT(r.err, HasSubstr("* spec.dump.jobs: Invalid value: 65"));
  EXPECT_THAT(r.err, HasSubstr("* spec.source.connectTimeoutSeconds: Invalid value: 0: "
                               "spec.source.connectTimeoutSeconds in body should be greater than "
                               "or equal to 1"));
  EXPECT_THAT(r.err, HasSubstr("* spec.cleanupPolicy: Unsupported value: \"Keep\""));
}

TEST_F(ValidationTest, RequiredFieldsAndTypes) {
  CommandResult r = ApplyRefused("  destination: {host: dst, credentialsSecretRef: {name: s}}\n");
  EXPECT_THAT(r.err, HasSubstr("spec.source: Required value"));
  r = ApplyRefused("  source: {host: src, port: \"5432\", credentialsSecretRef: {name: s}}\n"
                   "  destination: {credentialsSecretRef: {name: s}}\n");
  EXPECT_THAT(r.err, HasSubstr("spec.destination.host: Required value"));
  EXPECT_THAT(r.err, HasSubstr("spec.source.port: Invalid value: \"string\": spec.source.port in "
                               "body must be of type integer: \"string\""));
}

TEST_F(ValidationTest, SameSourceAndDestinationIsRefused) {
  CommandResult r = ApplyRefused("  source: {host: db, credentialsSecretRef: {name: s}}\n"
                                 "  destination: {host: db, credentialsSecretRef: {name: s}}\n");
  EXPECT_THAT(r.err, HasSubstr("spec.destination: Invalid value: \"object\": source and "
                               "destination must be different servers"));
}

TEST_F(ValidationTest, UnknownFieldsAreRefusedUnderStrictValidation) {
  CommandResult r = ApplyRefused(Servers(", hostname: typo"));
  EXPECT_THAT(r.err, HasSubstr("Error from server (BadRequest): error when creating"));
  EXPECT_THAT(r.err, HasSubstr("strict decoding error: unknown field \"spec.source.hostname\""));

  // --validate=warn stores the object without the field and prints the server's warning.
  std::string manifest = "apiVersion: pgferry.io/v1alpha1\nkind: PgMigration\n"
                         "metadata: {name: warned}\nspec:\n" + Servers(", hostname: typo");
  r = Apply(manifest, {"--validate=warn"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.err, HasSubstr("Warning: unknown field \"spec.source.hostname\""));
  EXPECT_EQ(JsonPath("warned", ".spec.source.hostname"), "");
}

TEST_F(ValidationTest, ValidSampleManifestPassesAServerDryRun) {
  CommandResult r = Kubectl({"apply", "--dry-run=server", "-f", SourceDir() + "/crds/samples/"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders created (server dry run)"));
  EXPECT_EQ(Kubectl({"get", "pgm", "orders"}).exit_code, 1) << "a dry run must not store";
}

}  // namespace
}  // namespace pgferry::e2e
