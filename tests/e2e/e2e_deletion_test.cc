// Deleting a PgMigration the way the operator's cleanup finalizer needs it: the object stays with
// deletionTimestamp until the last finalizer is removed, kubectl delete waits for that, new
// finalizers cannot be added meanwhile, and objects it owns are garbage-collected.
#include <gmock/gmock.h>

#include <thread>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;

class DeletionTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
    ASSERT_EQ(Apply(SampleMigration("orders")).exit_code, 0);
    CommandResult r = Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
                               R"({"metadata":{"finalizers":["pgferry.io/cleanup"]}})"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }
};

TEST_F(DeletionTest, FinalizerKeepsTheObjectUntilItIsRemoved) {
  CommandResult r = Kubectl({"delete", "pgm", "orders", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io \"orders\" deleted"));

  EXPECT_NE(JsonPath("orders", ".metadata.deletionTimestamp"), "");
  EXPECT_EQ(JsonPath("orders", ".metadata.finalizers[0]"), "pgferry.io/cleanup");

  // Finalizers can only be removed now.
  r = Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
               R"({"metadata":{"finalizers":["pgferry.io/cleanup","other.io/x"]}})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no new finalizers can be added if the object is being deleted"));

  // A blocking delete waits until the operator releases the finalizer.
  auto del = KubectlInBackground({"delete", "pgm", "orders", "--timeout=30s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(del->Wait(std::chrono::milliseconds(0)).has_value());
  r = Kubectl({"patch", "pgm", "orders", "--type=json", "-p",
               R"([{"op":"remove","path":"/metadata/finalizers"}])"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto code = del->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << del->err();
  EXPECT_EQ(*code, 0) << del->err();

  r = Kubectl({"get", "pgm", "orders"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Error from server (NotFound): pgmigrations.pgferry.io \"orders\" not found"));
}

TEST_F(DeletionTest, WaitForDeleteEndsWhenTheFinalizerGoes) {
  ASSERT_EQ(Kubectl({"delete", "pgm", "orders", "--wait=false"}).exit_code, 0);
  auto wait = KubectlInBackground({"wait", "--for=delete", "pgm/orders", "--timeout=30s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
                     R"({"metadata":{"finalizers":null}})"})
                .exit_code,
            0);
  auto code = wait->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << wait->err();
  EXPECT_EQ(*code, 0) << wait->out() << wait->err();
}

TEST_F(DeletionTest, OwnedSecretIsGarbageCollected) {
  std::string uid = JsonPath("orders", ".metadata.uid");
  std::string owned =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders-role-passwords\n"
      "  ownerReferences: [{apiVersion: pgferry.io/v1alpha1, kind: PgMigration, name: orders, "
      "uid: " + uid + ", controller: true}]\nstringData: {app_rw: generated}\n";
  ASSERT_EQ(Apply(owned).exit_code, 0);
  ASSERT_EQ(Kubectl({"delete", "pgm", "orders", "--wait=false"}).exit_code, 0);
  EXPECT_EQ(Kubectl({"get", "secret", "orders-role-passwords"}).exit_code, 0)
      << "the owner still exists (finalizer pending)";
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--type=merge", "-p",
                     R"({"metadata":{"finalizers":null}})"})
                .exit_code,
            0);
  CommandResult r = Kubectl({"get", "secret", "orders-role-passwords"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("NotFound"));
  EXPECT_EQ(Kubectl({"get", "secret", "orders-pg"}).exit_code, 0) << "unowned objects stay";
}

TEST_F(DeletionTest, DeletingTheNamespaceDeletesItsContents) {
  CommandResult created = Kubectl({"create", "namespace", "team-a"});  // a protobuf request
  ASSERT_EQ(created.exit_code, 0) << created.all();
  created = Kubectl({"create", "secret", "generic", "creds", "-n", "team-a",
                     "--from-literal=username=app"});
  ASSERT_EQ(created.exit_code, 0) << created.all();
  ASSERT_EQ(Kubectl({"apply", "-n", "team-a", "-f", "-"}, SampleMigration("inventory")).exit_code, 0);
  CommandResult r = Kubectl({"delete", "namespace", "team-a", "--timeout=20s"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"get", "namespace", "team-a"});
  EXPECT_EQ(r.exit_code, 1);
  r = Kubectl({"get", "pgm", "-A", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/orders\n") << r.all();
  r = Kubectl({"get", "secrets", "-A", "-o", "name"});
  EXPECT_EQ(r.out, "secret/orders-pg\n") << r.all();
}

}  // namespace
}  // namespace pgferry::e2e
