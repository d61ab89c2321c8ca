// kubectl apply --server-side: creation, ownership in managedFields, taking over an object that
// client-side apply created, and conflicts with another field manager.
#include <gmock/gmock.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

class ServerSideApplyTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
  }
};

TEST_F(ServerSideApplyTest, CreatesAndRecordsTheApplyManager) {
  CommandResult r = Apply(SampleMigration("orders"), {"--server-side"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("secret/orders-pg serverside-applied"));
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders serverside-applied"));
  EXPECT_EQ(JsonPath("orders", ".spec.source.port"), "5432");  // defaults applied
  r = Kubectl({"get", "pgm", "orders", "--show-managed-fields", "-o",
               "jsonpath={.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}"});
  EXPECT_EQ(r.out, "kubectl/Apply") << r.all();

  // Re-applying changes only what changed; dropping a field from the manifest removes it.
  r = Apply(SampleMigration("orders", "  suspend: true\n"), {"--server-side"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(JsonPath("orders", ".spec.suspend"), "true");
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "2");
  r = Apply(SampleMigration("orders"), {"--server-side"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(JsonPath("orders", ".spec.suspend"), "false");  // removed, then defaulted again
}

TEST_F(ServerSideApplyTest, TakesOverAnObjectCreatedByClientSideApply) {
  ASSERT_EQ(Apply(SampleMigration("orders", "  dump: {jobs: 4}\n")).exit_code, 0);
  CommandResult r = Apply(MigrationOnly("orders", "  dump: {jobs: 6}\n"), {"--server-side"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders serverside-applied"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Warning")));
  EXPECT_EQ(JsonPath("orders", ".spec.dump.jobs"), "6");
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "2");
  // Client-side apply still works afterwards: the server kept last-applied in step (it differs
  // from kubectl's own only by the empty annotations map, so the first apply is "configured").
  r = Apply(MigrationOnly("orders", "  dump: {jobs: 6}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("missing the kubectl.kubernetes.io/last-applied")));
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "2");
  r = Apply(MigrationOnly("orders", "  dump: {jobs: 6}\n"));
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders unchanged"));
}

TEST_F(ServerSideApplyTest, ConflictWithAnotherManagerNeedsForce) {
  ASSERT_EQ(Apply(MigrationOnly("orders", "  dump: {jobs: 4}\n"),
                  {"--server-side", "--field-manager=gitops"})
                .exit_code,
            0);
  CommandResult r = Apply(MigrationOnly("orders", "  dump: {jobs: 8}\n"), {"--server-side"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Apply failed with 1 conflict: conflict with \"gitops\": .spec.dump.jobs"));
  EXPECT_THAT(r.err, HasSubstr("--force-conflicts"));
  EXPECT_EQ(JsonPath("orders", ".spec.dump.jobs"), "4");

  r = Apply(MigrationOnly("orders", "  dump: {jobs: 8}\n"), {"--server-side", "--force-conflicts"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(JsonPath("orders", ".spec.dump.jobs"), "8");
}

}  // namespace
}  // namespace pgferry::e2e
