// API server behaviour an operator relies on, checked through kubectl where it can show it and
// through FakeApiServer::Call otherwise: optimistic concurrency (409), watch resume and 410 Gone,
// bookmarks, selectors, Leases, and the audit trail of the calls made.
#include <gmock/gmock.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;
using fakeapi::Json;

const char* kCollection = "/apis/pgferry.io/v1alpha1/namespaces/default/pgmigrations";

class ApiSemanticsTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    InstallCrd();
    ASSERT_EQ(Apply(SampleMigration("orders")).exit_code, 0);
  }
};

TEST_F(ApiSemanticsTest, StaleResourceVersionIsAConflict) {
  std::string rv = JsonPath("orders", ".metadata.resourceVersion");
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--type=merge", "-p", R"({"spec":{"suspend":true}})"})
                .exit_code,
            0);
  std::string stale = MigrationOnly("orders");
  stale.replace(stale.find("  name: orders\n"), 15, "  name: orders\n  resourceVersion: \"" + rv + "\"\n");
  CommandResult r = Kubectl({"replace", "-f", "-"}, stale);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Error from server (Conflict): error when replacing"));
  EXPECT_THAT(r.err, HasSubstr("Operation cannot be fulfilled on pgmigrations.pgferry.io \"orders\": "
                               "the object has been modified; please apply your changes to the "
                               "latest version and try again"));

  // A custom resource cannot be updated without a resourceVersion.
  Json body = Json::parse(server_->Call("GET", std::string(kCollection) + "/orders").body);
  body["metadata"].erase("resourceVersion");
  fakeapi::HttpResponse put = server_->Call("PUT", std::string(kCollection) + "/orders", body.dump());
  EXPECT_EQ(put.status, 422);
  EXPECT_THAT(put.body, HasSubstr("metadata.resourceVersion: Invalid value: 0x0: must be "
                                  "specified for an update"));
}

TEST_F(ApiSemanticsTest, WatchResumesFromAResourceVersionAndReportsGoneAfterCompaction) {
  std::string rv = JsonPath("orders", ".metadata.resourceVersion");
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"phase":"Running"}})"})
                .exit_code,
            0);
  std::string path = std::string(kCollection) + "?watch=1&resourceVersion=" + rv;
  CommandResult r = Kubectl({"get", "--raw", path + "&timeoutSeconds=1"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr(R"({"object":{"apiVersion":"pgferry.io/v1alpha1")"));
  EXPECT_THAT(r.out, HasSubstr(R"("phase":"Running")"));
  EXPECT_THAT(r.out, HasSubstr(R"("type":"MODIFIED")"));

  server_->CompactHistory();
  r = Kubectl({"get", "--raw", path});
  EXPECT_THAT(r.out, HasSubstr(R"("type":"ERROR")"));
  EXPECT_THAT(r.out, HasSubstr(R"("code":410)"));
  EXPECT_THAT(r.out, HasSubstr(R"("reason":"Expired")"));
  EXPECT_THAT(r.out, HasSubstr("too old resource version: " + rv));
}

TEST_F(ApiSemanticsTest, WatchSendsBookmarksWhenAsked) {
  fakeapi::FakeApiServerOptions options;
  options.bookmark_interval = std::chrono::milliseconds(200);
  StartServer(options);
  InstallCrd();
  CommandResult r = Kubectl({"get", "--raw", std::string(kCollection) +
                                                 "?watch=1&allowWatchBookmarks=true&timeoutSeconds=2"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr(R"("type":"BOOKMARK")"));
  EXPECT_THAT(r.out, HasSubstr(R"("kind":"PgMigration")"));
}

TEST_F(ApiSemanticsTest, SelectorsOnListAndWatch) {
  ASSERT_EQ(Apply(MigrationOnly("inventory")).exit_code, 0);
  ASSERT_EQ(Kubectl({"label", "pgm", "inventory", "tier=gold"}).exit_code, 0);
  CommandResult r = Kubectl({"get", "pgm", "-l", "tier=gold", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/inventory\n") << r.all();
  r = Kubectl({"get", "pgm", "-l", "tier!=gold", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/orders\n") << r.all();
  r = Kubectl({"get", "pgm", "--field-selector", "metadata.name=orders", "-o", "name"});
  EXPECT_EQ(r.out, "pgmigration.pgferry.io/orders\n") << r.all();
  r = Kubectl({"get", "pgm", "--field-selector", "spec.method=auto"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("field label not supported: spec.method"));
  r = Kubectl({"get", "pgm", "-A"});
  EXPECT_THAT(r.out, ::testing::ContainsRegex("NAMESPACE +NAME +STATUS"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("default +inventory"));
}

TEST_F(ApiSemanticsTest, LeasesForLeaderElection) {
  std::string lease =
      "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: pgferry-leader}\n"
      "spec: {holderIdentity: pgferry-0, leaseDurationSeconds: 15}\n";
  CommandResult r = Kubectl({"create", "-f", "-"}, lease);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"create", "-f", "-"}, lease);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Error from server (AlreadyExists)"));
  r = Kubectl({"get", "leases"});
  EXPECT_THAT(r.out, ::testing::ContainsRegex("NAME +HOLDER +AGE"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("pgferry-leader +pgferry-0"));
}

TEST_F(ApiSemanticsTest, AuditRecordsTheCallsMade) {
  server_->ClearAudit();
  ASSERT_EQ(Kubectl({"get", "pgm"}).exit_code, 0);
  ASSERT_EQ(Kubectl({"patch", "pgm", "orders", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"phase":"Running"}})"})
                .exit_code,
            0);
  ASSERT_EQ(Kubectl({"delete", "pgm", "orders"}).exit_code, 0);
  std::vector<std::string> calls;
  for (const auto& r : server_->AuditRecords()) {
    if (!r.resource_request) continue;
    calls.push_back(r.verb + " " + r.api_group + "/" + r.resource +
                    (r.subresource.empty() ? "" : "/" + r.subresource) + " " + r.namespace_);
  }
  EXPECT_THAT(calls, ::testing::Contains("list pgferry.io/pgmigrations default"));
  EXPECT_THAT(calls, ::testing::Contains("get pgferry.io/pgmigrations/status default"));
  EXPECT_THAT(calls, ::testing::Contains("patch pgferry.io/pgmigrations/status default"));
  EXPECT_THAT(calls, ::testing::Contains("delete pgferry.io/pgmigrations default"));
}

}  // namespace
}  // namespace pgferry::e2e
