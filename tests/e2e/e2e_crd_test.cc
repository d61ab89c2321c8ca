// Installing the PgMigration CRD with kubectl, and what it makes the server offer: discovery
// (short name pgm), kubectl explain from the published OpenAPI v3 schema.
#include <gmock/gmock.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

TEST_F(KubeTest, PgmIsUnknownUntilTheCrdIsApplied) {
  CommandResult r = Kubectl({"get", "pgm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the server doesn't have a resource type \"pgm\""));

  InstallCrd();

  r = Kubectl({"get", "pgm"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.err, HasSubstr("No resources found in default namespace."));
  r = Kubectl({"get", "crd"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigrations.pgferry.io"));
}

TEST_F(KubeTest, ReapplyingTheCrdIsUnchanged) {
  InstallCrd();
  CommandResult r = Kubectl({"apply", "-f", SourceDir() + "/crds/pgferry.io_pgmigrations.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("customresourcedefinition.apiextensions.k8s.io/pgmigrations.pgferry.io unchanged"));
}

TEST_F(KubeTest, ApiResourcesListsPgmigrationsWithShortName) {
  InstallCrd();
  CommandResult r = Kubectl({"api-resources", "--api-group=pgferry.io"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "pgmigrations +pgm +pgferry.io/v1alpha1 +true +PgMigration"));
}

TEST_F(KubeTest, ExplainShowsTheSourceFieldsFromTheCrdSchema) {
  InstallCrd();
  // kubectl explain expands short names from the discovery cache without refreshing it (a real
  // cluster behaves the same); a get refreshes the cache that apply filled before the CRD existed.
  ASSERT_EQ(Kubectl({"get", "pgm"}).exit_code, 0);
  CommandResult r = Kubectl({"explain", "pgm.spec.source"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("KIND:       PgMigration"));
  EXPECT_THAT(r.out, HasSubstr("FIELD: source <Object>"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("host\\s+<string> -required-"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("port\\s+<integer>"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("credentialsSecretRef\\s+<Object> -required-"));
  EXPECT_THAT(r.out, HasSubstr("TCP port of the PostgreSQL server."));

  r = Kubectl({"explain", "pgm.status.databases.status"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("FIELD: status <string>"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("ENUM:\\s+pending\\s+running\\s+syncing\\s+done\\s+failed"));
}

}  // namespace
}  // namespace pgferry::e2e
