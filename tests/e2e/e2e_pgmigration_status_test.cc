// The status subresource as users and GitOps tools observe it: kubectl get -w sees a status change
// written through /status, kubectl wait --for=condition=Ready honours observedGeneration, status
// writes leave metadata.generation alone while spec changes bump it, and kubectl patch works with
// merge and JSON patches (strategic merge patch is refused for custom resources).
#include <gmock/gmock.h>

#include <thread>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

const char* kReadyStatus =
    R"({"status":{"phase":"Syncing","observedGeneration":%G%,"conditions":[{"type":"Ready",)"
    R"("status":"True","reason":"InSync","message":"every database is in sync",)"
    R"("lastTransitionTime":"2025-01-01T00:00:00Z","observedGeneration":%G%}]}})";

std::string ReadyStatus(const std::string& generation) {
  std::string s = kReadyStatus;
  for (size_t p; (p = s.find("%G%")) != std::string::npos;) s.replace(p, 3, generation);
  return s;
}

class PgMigrationStatusTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
    CommandResult r = Apply(SampleMigration("orders"));
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }

  CommandResult PatchStatus(const std::string& patch) {
    return Kubectl({"patch", "pgm", "orders", "--subresource=status", "--type=merge", "-p", patch});
  }
};

TEST_F(PgMigrationStatusTest, WatchSeesAStatusChangeMadeThroughTheStatusSubresource) {
  auto watch = KubectlInBackground({"get", "pgm", "-w"});
  ASSERT_TRUE(watch->WaitForOutput("orders", std::chrono::seconds(20))) << watch->err();
  CommandResult r = PatchStatus(R"({"status":{"phase":"Running","progress":"0/2"}})");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders patched"));
  EXPECT_TRUE(watch->WaitForOutput("Running", std::chrono::seconds(20)))
      << watch->out() << watch->err();
  EXPECT_THAT(watch->out(), ::testing::ContainsRegex("orders +Running +0/2"));
  watch->Terminate();
}

TEST_F(PgMigrationStatusTest, WaitForReadySucceedsAfterAReadyConditionIsPatched) {
  auto wait = KubectlInBackground({"wait", "--for=condition=Ready", "pgm/orders", "--timeout=30s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(wait->Wait(std::chrono::milliseconds(0)).has_value()) << "wait ended before Ready";
  CommandResult r = PatchStatus(ReadyStatus("1"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto code = wait->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << wait->out() << wait->err();
  EXPECT_EQ(*code, 0) << wait->err();
  EXPECT_THAT(wait->out(), HasSubstr("pgmigration.pgferry.io/orders condition met"));
}

TEST_F(PgMigrationStatusTest, WaitIgnoresAReadyConditionForAnOlderGeneration) {
  ASSERT_EQ(PatchStatus(ReadyStatus("1")).exit_code, 0);
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--type=merge", "-p", R"({"spec":{"dump":{"jobs":8}}})"})
                .exit_code,
            0);
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "2");
  CommandResult r = Kubectl({"wait", "--for=condition=Ready", "pgm/orders", "--timeout=2s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("timed out waiting for the condition on pgmigrations/orders"));

  ASSERT_EQ(PatchStatus(ReadyStatus("2")).exit_code, 0);
  r = Kubectl({"wait", "--for=condition=Ready", "pgm/orders", "--timeout=10s"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST_F(PgMigrationStatusTest, StatusWritesKeepTheGenerationAndSpecChangesBumpIt) {
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "1");
  std::string rv = JsonPath("orders", ".metadata.resourceVersion");
  ASSERT_EQ(PatchStatus(R"({"status":{"phase":"Validating"}})").exit_code, 0);
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "1");
  EXPECT_NE(JsonPath("orders", ".metadata.resourceVersion"), rv);

  // kubectl apply of a changed spec: merge patch, generation 2.
  CommandResult r = Apply(SampleMigration("orders", "  suspend: true\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders configured"));
  EXPECT_EQ(JsonPath("orders", ".metadata.generation"), "2");
  EXPECT_EQ(JsonPath("orders", ".spec.suspend"), "true");
  EXPECT_EQ(JsonPath("orders", ".status.phase"), "Validating");  // apply kept the status
}

TEST_F(PgMigrationStatusTest, StatusSentToTheMainResourceIsIgnored) {
  CommandResult r = Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
                             R"({"status":{"phase":"Done"}})"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders patched (no change)"));
  EXPECT_EQ(JsonPath("orders", ".status.phase"), "");
}

TEST_F(PgMigrationStatusTest, PatchWithMergeAndJsonPatches) {
  CommandResult r = Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
                             R"({"spec":{"method":"dump","dump":{"jobs":16}}})"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders patched"));
  r = Kubectl({"patch", "pgm", "orders", "--type=json", "-p",
               R"([{"op":"replace","path":"/spec/source/port","value":6432},)"
               R"({"op":"add","path":"/metadata/labels","value":{"team":"db"}}])"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(JsonPath("orders", ".spec.method"), "dump");
  EXPECT_EQ(JsonPath("orders", ".spec.dump.jobs"), "16");
  EXPECT_EQ(JsonPath("orders", ".spec.source.port"), "6432");
  r = Kubectl({"get", "pgm", "-l", "team=db", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/orders\n") << r.all();

  // Custom resources do not accept strategic merge patch, kubectl's default patch type.
  r = Kubectl({"patch", "pgm", "orders", "-p", R"({"spec":{"suspend":true}})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("application/strategic-merge-patch+json is not supported"));

  // An invalid value through patch is refused like on create.
  r = Kubectl({"patch", "pgm", "orders", "--type=merge", "-p", R"({"spec":{"dump":{"jobs":65}}})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("spec.dump.jobs: Invalid value: 65: spec.dump.jobs in body should "
                               "be less than or equal to 64"));
}

TEST_F(PgMigrationStatusTest, InvalidStatusIsRefused) {
  CommandResult r = PatchStatus(R"({"status":{"phase":"Finished"}})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("status.phase: Unsupported value: \"Finished\""));
  r = PatchStatus(R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("status.conditions[0].reason: Required value"));
  EXPECT_THAT(r.err, HasSubstr("status.conditions[0].lastTransitionTime: Required value"));
}

}  // namespace
}  // namespace pgferry::e2e
