// Creating a Secret and a PgMigration with kubectl apply and reading them back the ways users do:
// kubectl get (printer columns, -o wide, -o yaml with defaults), kubectl describe with events.
#include <gmock/gmock.h>

#include <sstream>

#include "tests/e2e/kube_fixture.h"
#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  return lines;
}

class PgMigrationGetTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
    CommandResult r = Apply(SampleMigration("orders"));
    ASSERT_EQ(r.exit_code, 0) << r.all();
    ASSERT_THAT(r.out, HasSubstr("secret/orders-pg created"));
    ASSERT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders created"));
  }
};

TEST_F(PgMigrationGetTest, GetShowsThePrinterColumns) {
  CommandResult r = Kubectl({"get", "pgm"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(Words(lines[0]), ElementsAre("NAME", "STATUS", "METHOD", "DATABASES", "LAG", "AGE"));
  EXPECT_EQ(Words(lines[1])[0], "orders");

  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"phase":"Syncing","method":"replication","progress":"2/3",)"
                     R"("lagBytes":4096,"error":"db3: wal_level is replica"}})"})
                .exit_code,
            0);
  r = Kubectl({"get", "pgm", "orders"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  auto row = Words(lines[1]);
  ASSERT_EQ(row.size(), 6u) << lines[1];
  EXPECT_THAT(std::vector<std::string>(row.begin(), row.begin() + 5),
              ElementsAre("orders", "Syncing", "replication", "2/3", "4096"));
  EXPECT_THAT(r.out, Not(HasSubstr("wal_level")));  // ERROR is a wide column

  r = Kubectl({"get", "pgm", "-o", "wide"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  lines = Lines(r.out);
  EXPECT_THAT(Words(lines[0]),
              ElementsAre("NAME", "STATUS", "METHOD", "DATABASES", "LAG", "AGE", "ERROR"));
  EXPECT_THAT(lines[1], HasSubstr("db3: wal_level is replica"));
}

TEST_F(PgMigrationGetTest, YamlOutputHasTheSchemaDefaults) {
  CommandResult r = Kubectl({"get", "pgm", "orders", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  for (const char* expected :
       {"generation: 1", "    port: 5432", "    dbname: postgres", "    sslMode: prefer",
        "    connectTimeoutSeconds: 10", "  method: auto", "    jobs: 2", "  cleanupPolicy: Delete",
        "    syncSequences: true", "    maxLagBytes: 0", "    cutover: false",
        "  createDatabases: true", "  replicateExtensionTables: true", "  suspend: false",
        "    migrate: true", "  extensions: {}", "      usernameKey: src-user"}) {
    EXPECT_THAT(r.out, HasSubstr(expected)) << r.out;
  }
  r = Kubectl({"get", "secret", "orders-pg", "-o", "jsonpath={.data.src-user}"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.out, "bWlncmF0b3I=");  // stringData was stored base64-encoded in data
}

TEST_F(PgMigrationGetTest, DescribeShowsSpecAndEventsOfBothEventApis) {
  std::string uid = JsonPath("orders", ".metadata.uid");
  std::string now = fakeapi::NowRfc3339();
  std::string core_event =
      "apiVersion: v1\nkind: Event\nmetadata: {name: orders.validated}\n"
      "involvedObject: {apiVersion: pgferry.io/v1alpha1, kind: PgMigration, name: orders, "
      "namespace: default, uid: " + uid + "}\n"
      "reason: Validated\nmessage: pre-checks passed\ntype: Normal\n"
      "source: {component: pgferry}\ncount: 1\n"
      "firstTimestamp: \"" + now + "\"\nlastTimestamp: \"" + now + "\"\n";
  CommandResult r = Kubectl({"create", "-f", "-"}, core_event);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::string new_event =
      "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: orders.stalled}\n"
      "regarding: {apiVersion: pgferry.io/v1alpha1, kind: PgMigration, name: orders, "
      "namespace: default, uid: " + uid + "}\n"
      "reason: CleanupStuck\nnote: slot pgferry_x_1 left on the source\ntype: Warning\n"
      "action: Cleanup\nreportingController: pgferry.io/operator\nreportingInstance: pgferry-0\n"
      "eventTime: \"" + fakeapi::Rfc3339Micro(std::chrono::system_clock::now()) + "\"\n";
  r = Kubectl({"create", "-f", "-"}, new_event);
  ASSERT_EQ(r.exit_code, 0) << r.all();

  r = Kubectl({"describe", "pgm", "orders"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("Name:         orders"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Host: +src.example.com"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Normal +Validated +.* +pgferry +pre-checks passed"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "Warning +CleanupStuck +.* +pgferry.io/operator +slot pgferry_x_1 left"));

  r = Kubectl({"get", "events", "--field-selector", "involvedObject.name=orders"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Normal +Validated +pgmigration/orders"));
}

TEST_F(PgMigrationGetTest, ReapplyingTheSameManifestIsUnchanged) {
  CommandResult r = Apply(SampleMigration("orders"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  // A Secret written with stringData is "configured" on every apply, as on a real cluster: the
  // server moves stringData into data, so the manifest never matches the live object.
  EXPECT_THAT(r.out, HasSubstr("secret/orders-pg configured"));
  EXPECT_THAT(r.out, HasSubstr("pgmigration.pgferry.io/orders unchanged"));
}

}  // namespace
}  // namespace pgferry::e2e
