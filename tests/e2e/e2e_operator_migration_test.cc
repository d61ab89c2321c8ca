// `pgferry operator` end to end: the real kubectl against fake-apiserver, the operator as a child
// process, and two real PostgreSQL 15 servers. One scenario, in the order a user lives it:
// apply, wait for Ready, read `kubectl get/describe`, watch a row replicate, restart the operator
// mid-migration, cut over (observedGeneration advances, phase Done), delete a second migration
// (its publication, slot and subscription go away), then SIGTERM (exit 0). The API calls the
// operator made (fake-apiserver's audit log) must be listed in tests/chart/observed-api-calls.txt
// and granted by the chart's RBAC as chart-render renders it now.
#include <gmock/gmock.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "tests/e2e/operator_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kLong = std::chrono::seconds(120);

// Publications (source db), slots (source) and subscriptions (destination) named pgferry_*.
struct Objects {
  int publications = 0, slots = 0, subscriptions = 0;
};

class OperatorMigrationTest : public OperatorTest {
 protected:
  Objects ReplicationObjects(const std::string& db) {
    Objects o;
    o.publications = std::stoi(
        src_->Scalar(db, "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'pgferry\\_%'"));
    o.slots = std::stoi(src_->Scalar("postgres",
                                     "SELECT count(*) FROM pg_replication_slots WHERE slot_name "
                                     "LIKE 'pgferry\\_%' AND database = " +
                                         testing::QuoteLiteral(db)));
    o.subscriptions = std::stoi(dst_->Scalar(
        "postgres",
        "SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid "
        "WHERE s.subname LIKE 'pgferry\\_%' AND d.datname = " +
            testing::QuoteLiteral(db)));
    return o;
  }

  void CreateSourceDatabase(const std::string& db, int rows) {
    src_->Exec("postgres", "CREATE DATABASE " + db);
    src_->Exec(db,
               "CREATE TABLE public.items (id bigserial PRIMARY KEY, name text NOT NULL);"
               "INSERT INTO public.items (name) SELECT 'item ' || g FROM generate_series(1, " +
                   std::to_string(rows) + ") g;");
  }

  bool WaitForRows(const std::string& db, const std::string& count, int seconds = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (dst_->Scalar(db, "SELECT count(*) FROM public.items") == count) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
};

TEST_F(OperatorMigrationTest, ReplicatesCutsOverDeletesAndStopsCleanly) {
  StartPostgres();
  CreateSourceDatabase("app", 1000);
  CreateSourceDatabase("billing", 10);
  src_->Exec("postgres", "CREATE ROLE app_owner LOGIN");

  // With leader election, as the chart runs it (a restart below hands the Lease over).
  const std::vector<std::string> flags = {"--replication-refresh-interval", "2s", "--leader-elect",
                                          "--leader-election-namespace", "default"};
  auto op = StartOperator(flags);
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();
  std::string body;
  EXPECT_EQ(HttpGet(op->ProbePort(), "/healthz", &body), 200) << body;
  EXPECT_EQ(HttpGet(op->ProbePort(), "/readyz", &body), 200) << body;

  CommandResult r = Apply(Manifest("orders", "  databases: {include: [app]}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Apply(Manifest("billing", "  databases: {include: [billing]}\n  roles: {migrate: false}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();

  r = Kubectl({"wait", "--for=condition=Ready", "pgm/orders", "pgm/billing", "--timeout=120s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();

  // What a user reads.
  r = Kubectl({"get", "pgm", "orders"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::ContainsRegex("orders +Syncing +replication +1/1 +[0-9]+ +"));
  r = Kubectl({"describe", "pgm", "orders"});
  EXPECT_THAT(r.out, HasSubstr("Events:"));
  EXPECT_THAT(r.out, HasSubstr("Validated"));
  EXPECT_THAT(r.out, HasSubstr("SubscriptionCreated"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Normal +Syncing +"));
  EXPECT_THAT(r.out, Not(HasSubstr("postgres-pw")));
  EXPECT_EQ(JsonPath("orders", ".metadata.finalizers[0]"), "pgferry.io/cleanup");
  EXPECT_EQ(JsonPath("orders", ".status.observedGeneration"), "1");
  EXPECT_EQ(JsonPath("orders", ".status.conditions[?(@.type==\"Ready\")].observedGeneration"), "1");
  EXPECT_EQ(JsonPath("orders", ".status.databases[0].rowsCopied"), "1000");

  // The generated password of the created login role is in a Secret owned by the PgMigration.
  r = Kubectl({"get", "secret", "orders-role-passwords", "-o",
               "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} "
               "{.data.app_owner}"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::MatchesRegex("PgMigration/orders [A-Za-z0-9+/=]{12,}")) << r.out;
  EXPECT_THAT(Kubectl({"get", "pgm", "orders", "-o", "yaml"}).out,
              Not(HasSubstr(r.out.substr(r.out.find(' ') + 1))));

  // Changes on the source arrive.
  EXPECT_EQ(ReplicationObjects("app").slots, 1);
  src_->Exec("app", "INSERT INTO public.items (name) VALUES ('late arrival')");
  EXPECT_TRUE(WaitForRows("app", "1001"));

  // Metrics: controller-runtime, workqueue and client-go names, and the domain series, each with
  // a value (while a database replicates, every reconcile ends in requeue-after: polling).
  ASSERT_EQ(HttpGet(op->MetricsPort(), "/metrics", &body), 200);
  EXPECT_THAT(body, HasSubstr("controller_runtime_reconcile_total{"));
  EXPECT_THAT(body, HasSubstr("workqueue_depth{"));
  EXPECT_THAT(
      body,
      ::testing::ContainsRegex(
          "pgferry_database_status\\{[^}]*database=\"app\"[^}]*status=\"syncing\"[^}]*\\} 1"));
  EXPECT_THAT(body, ::testing::ContainsRegex(
                        "pgferry_replication_lag_bytes\\{[^}]*database=\"app\"[^}]*\\} [0-9]"));
  EXPECT_THAT(body,
              ::testing::ContainsRegex("pgferry_rows_copied\\{[^}]*database=\"app\"[^}]*\\} 1000"));
  EXPECT_THAT(body, ::testing::ContainsRegex("pgferry_replication_slot_retained_wal_bytes\\{[^}]*"
                                             "slot=\"pgferry_[0-9a-f_]+\"[^}]*\\} [0-9]"));
  EXPECT_THAT(body, ::testing::ContainsRegex("controller_runtime_reconcile_total\\{[^}]*"
                                             "result=\"requeue_after\"[^}]*\\} [1-9]"));
  EXPECT_THAT(body, HasSubstr("controller_runtime_reconcile_time_seconds_bucket{"));
  EXPECT_THAT(body, HasSubstr("workqueue_adds_total{"));
  // client-go's request counter: list/watch/get answered 200, the creates 201.
  EXPECT_THAT(body, ::testing::ContainsRegex(
                        "rest_client_requests_total\\{code=\"200\",host=\"127\\.0\\.0\\.1:[0-9]+\","
                        "method=\"GET\"\\} [1-9]"));
  EXPECT_THAT(body, ::testing::ContainsRegex(
                        "rest_client_requests_total\\{code=\"201\",[^}]*method=\"POST\"\\} [1-9]"));

  // An operator restart in the middle of the migration picks it up without duplicates.
  EXPECT_EQ(op->Terminate(), 0) << op->log();
  EXPECT_THAT(op->log(), Not(HasSubstr("Reconciler error"))) << op->log();
  op = StartOperator(flags);
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();
  src_->Exec("app", "INSERT INTO public.items (name) VALUES ('after restart')");
  EXPECT_TRUE(WaitForRows("app", "1002"));
  Objects o = ReplicationObjects("app");
  EXPECT_EQ(o.publications, 1);
  EXPECT_EQ(o.slots, 1);
  EXPECT_EQ(o.subscriptions, 1);
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) - count(DISTINCT name) FROM public.items"), "0");

  // Deleting a replicating migration drops its publication, slot and subscription.
  EXPECT_EQ(ReplicationObjects("billing").subscriptions, 1);
  r = Kubectl({"delete", "pgm", "billing", "--timeout=60s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  o = ReplicationObjects("billing");
  EXPECT_EQ(o.publications + o.slots + o.subscriptions, 0);
  r = Kubectl({"get", "pgm", "billing"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("NotFound"));
  EXPECT_THAT(op->log(), HasSubstr("Removed finalizer key=default/billing"));

  // Cut over, watched with kubectl get -w: the phase goes to Done for generation 2.
  auto watch = KubectlInBackground({"get", "pgm", "orders", "-w"});
  ASSERT_TRUE(watch->WaitForOutput("Syncing", std::chrono::seconds(20))) << watch->out();
  // With verify: checksums, compared before the replication objects go; the result is in the
  // status the API server keeps (the CRD's schema has it: nothing pruned).
  r = Apply(Manifest("orders", "  databases: {include: [app]}\n  replication: {cutover: true}\n  verify: checksums\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(watch->WaitForOutput("Done", kLong)) << watch->out() << "\n--- operator log:\n"
                                                   << op->log();
  watch->Terminate();
  r = Kubectl(
      {"wait", "--for=jsonpath={.status.observedGeneration}=2", "pgm/orders", "--timeout=30s"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(JsonPath("orders", ".status.phase"), "Done");
  EXPECT_EQ(JsonPath("orders", ".status.conditions[?(@.type==\"Ready\")].status"), "True");
  o = ReplicationObjects("app");
  EXPECT_EQ(o.publications + o.slots + o.subscriptions, 0);
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.items"), "1002");
  r = Kubectl({"describe", "pgm", "orders"});
  EXPECT_THAT(r.out, HasSubstr("CutOver"));
  EXPECT_THAT(r.out, HasSubstr("Completed"));
  EXPECT_THAT(r.out, HasSubstr("Verified"));
  EXPECT_EQ(JsonPath("orders", ".status.databases[0].verification.result"), "passed");
  EXPECT_EQ(JsonPath("orders", ".status.databases[0].verification.rows"), "1002");
  ASSERT_EQ(HttpGet(op->MetricsPort(), "/metrics", &body), 200);
  EXPECT_THAT(body, ::testing::ContainsRegex("pgferry_verification_mismatched_tables\\{[^}]*database=\"app\"[^}]*"
                                             "mode=\"checksums\"[^}]*\\} 0"))
      << body;

  // SIGTERM: a clean stop.
  EXPECT_EQ(op->Terminate(), 0) << op->log();
  EXPECT_THAT(op->log(), HasSubstr("Shutting down reason=\"received SIGTERM\""));
  EXPECT_THAT(op->log(), HasSubstr("Released leader lease"));
  EXPECT_THAT(op->log(), Not(HasSubstr("Reconciler error"))) << op->log();
  EXPECT_THAT(op->log(), Not(HasSubstr("postgres-pw")));

  // Every call the operator made is in tests/chart/observed-api-calls.txt (chart_test.sh checks
  // that the chart grants exactly that file plus implied-api-calls.txt), and the chart rendered
  // now, cluster-wide and with a Role per watched namespace, grants each of them.
  std::vector<std::string> calls = ObservedApiCalls();
  std::string observed;
  for (const auto& c : calls) observed += c + "\n";
  EXPECT_THAT(observed, HasSubstr("update pgferry.io pgmigrations/status"));
  const std::string observed_file = Scratch("observed-api-calls.txt");
  WriteFile(observed_file, observed);
  const std::string committed_file = SourceDir() + "/tests/chart/observed-api-calls.txt";
  if (const char* update = getenv("PGFERRY_UPDATE_OBSERVED_API_CALLS"); update && *update) {
    WriteFile(
        committed_file,
        "# API calls `pgferry operator` made in tests/e2e/e2e_operator_migration_test.cc\n"
        "# (fake-apiserver audit log, user agent pgferry*): verb group resource[/subresource].\n"
        "# Regenerate: PGFERRY_UPDATE_OBSERVED_API_CALLS=1 ctest -R OperatorMigrationTest\n" +
            observed);
  }
  // implied-api-calls.txt lists calls made only in situations this run may not reach.
  std::string committed = "\n" + ReadFile(committed_file) +
                          ReadFile(SourceDir() + "/tests/chart/implied-api-calls.txt");
  for (const auto& c : calls) {
    EXPECT_THAT(committed, HasSubstr("\n" + c + "\n"))
        << "a call missing from tests/chart/observed-api-calls.txt: " << c
        << " (regenerate it with PGFERRY_UPDATE_OBSERVED_API_CALLS=1 and grant the call in "
           "charts/pgferry)";
  }
  for (const auto& values : {std::string(), std::string("watchNamespaces: [default]\n")}) {
    SCOPED_TRACE(values.empty() ? "chart defaults (cluster-wide)" : values);
    std::string missing = ChartRbacMisses(observed_file, values);
    EXPECT_EQ(missing, "") << "the chart does not grant calls the operator made";
  }
}

// A CA from sslRootCertSecretRef is written to a file of the operator's own (libpq wants a
// path): the file goes when its PgMigration does, and the operator's folder when it exits.
TEST_F(OperatorMigrationTest, ACaFileGoesWithItsMigrationAndTheFolderWithTheOperator) {
  StartPostgres();
  CreateSourceDatabase("app", 10);
  const std::string tmpdir = Scratch("tmp");
  std::filesystem::create_directory(tmpdir);
  auto files_in_tmpdir = [&] {
    std::string names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tmpdir))
      names += std::filesystem::relative(e.path(), tmpdir).string() + (e.is_directory() ? "/ " : " ");
    return names;
  };
  std::unique_ptr<OperatorProcess> op;
  {
    const char* was = std::getenv("TMPDIR");
    const std::optional<std::string> saved = was ? std::optional<std::string>(was) : std::nullopt;
    setenv("TMPDIR", tmpdir.c_str(), 1);
    op = StartOperator();  // the child takes the environment as it is now
    saved ? setenv("TMPDIR", saved->c_str(), 1) : unsetenv("TMPDIR");
  }
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();

  std::string manifest = Manifest("tls", "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n");
  const std::string credentials = "    credentialsSecretRef: {name: ";
  ASSERT_NE(manifest.find(credentials), std::string::npos) << manifest;
  manifest.insert(manifest.find(credentials), "    sslRootCertSecretRef: {name: tls-ca, key: ca.crt}\n");  // the source's
  manifest += "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: tls-ca}\ntype: Opaque\nstringData:\n"
              "  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIBfake\n    -----END CERTIFICATE-----\n";
  CommandResult r = Apply(manifest);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"wait", "--for=jsonpath={.status.phase}=Done", "pgm/tls", "--timeout=120s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  const std::string written = files_in_tmpdir();
  EXPECT_THAT(written, ::testing::MatchesRegex("pgferry-operator-ca\\.[A-Za-z0-9]{6}/ pgferry-operator-ca\\.[A-Za-z0-9]{6}/"
                                               "[0-9a-f]+-source\\.crt ")) << written;
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.items"), "10");

  r = Kubectl({"delete", "pgm", "tls", "--timeout=60s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  // The object is gone once its cleanup has run; the reconcile that finds it gone removes the file.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (files_in_tmpdir().find(".crt") != std::string::npos && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(files_in_tmpdir().find(".crt"), std::string::npos) << files_in_tmpdir();
  EXPECT_EQ(op->Terminate(), 0) << op->log();
  EXPECT_EQ(files_in_tmpdir(), "") << "the operator left its CA folder";
}

// SIGKILL as soon as the phase is Running (roles, schema, slot or copy under way; no graceful
// stop), then a new operator: the migration resumes and ends with every row exactly once and one
// publication, slot and subscription. The rows the destination held at the kill are recorded as
// the test property rows_on_destination_at_kill.
TEST_F(OperatorMigrationTest, AKilledOperatorResumesTheCopyWithoutDuplicates) {
  StartPostgres();
  CreateSourceDatabase("app", 400000);
  auto op = StartOperator({"--replication-refresh-interval", "2s"});
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();
  CommandResult r = Apply(Manifest("orders", "  databases: {include: [app]}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"wait", "--for=jsonpath={.status.phase}=Running", "pgm/orders", "--timeout=60s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  op->Kill();
  std::string at_kill;  // how far the copy had got, recorded in the test's XML/JSON output
  try {
    at_kill = dst_->Scalar("app", "SELECT count(*) FROM public.items");
  } catch (const std::exception& e) {
    at_kill = "no table yet";
  }
  RecordProperty("rows_on_destination_at_kill", at_kill);
  op = StartOperator({"--replication-refresh-interval", "2s"});
  r = Kubectl({"wait", "--for=condition=Ready", "pgm/orders", "--timeout=120s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.items"), "400000");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) - count(DISTINCT id) FROM public.items"), "0");
  Objects o = ReplicationObjects("app");
  EXPECT_EQ(o.publications, 1);
  EXPECT_EQ(o.slots, 1);
  EXPECT_EQ(o.subscriptions, 1);
  src_->Exec("app", "INSERT INTO public.items (name) VALUES ('after the kill')");
  EXPECT_TRUE(WaitForRows("app", "400001"));
  r = Kubectl({"delete", "pgm", "orders", "--timeout=60s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  o = ReplicationObjects("app");
  EXPECT_EQ(o.publications + o.slots + o.subscriptions, 0);
  EXPECT_EQ(op->Terminate(), 0) << op->log();
}

// GitOps: a table left out at first is included by editing the PgMigration while it replicates
// (kubectl patch, as a Git commit would); the operator's run for the new generation adds it to
// the publication and the subscription copies it, then its changes replicate.
// Also: a column added on the source later is added on the destination by the next refresh.
TEST_F(OperatorMigrationTest, IncludingATableByEditingThePgMigrationReplicatesIt) {
  StartPostgres();
  CreateSourceDatabase("app", 100);
  src_->Exec("app", "CREATE TABLE public.\"Extra\" (id int PRIMARY KEY);"
                    "INSERT INTO public.\"Extra\" SELECT generate_series(1, 50)");
  auto op = StartOperator({"--replication-refresh-interval", "2s"});
  ASSERT_TRUE(op->WaitForLog("Starting controller", std::chrono::seconds(30))) << op->log();
  CommandResult r = Apply(Manifest("sel", "  databases: {include: [app]}\n  roles: {migrate: false}\n"
                                          "  tables: {exclude: ['public.\"Extra\"']}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  r = Kubectl({"wait", "--for=condition=Ready", "pgm/sel", "--timeout=120s"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.\"Extra\""), "0");
  EXPECT_THAT(Kubectl({"get", "pgm", "sel"}).out, ::testing::ContainsRegex("sel +Syncing +replication +1/1 +"));

  r = Kubectl({"patch", "pgm", "sel", "--type", "merge", "-p", R"({"spec":{"tables":{"exclude":[]}}})"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  bool copied = false;
  for (int i = 0; i < 300 && !copied; ++i) {
    copied = dst_->Scalar("app", "SELECT count(*) FROM public.\"Extra\"") == "50";
    if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(copied) << op->log();
  src_->Exec("app", "INSERT INTO public.\"Extra\" VALUES (51)");
  r = Kubectl({"wait", "--for=jsonpath={.status.databases[0].tablesSynced}=2", "pgm/sel", "--timeout=60s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  EXPECT_EQ(JsonPath("sel", ".status.observedGeneration"), "2");
  EXPECT_THAT(Kubectl({"describe", "pgm", "sel"}).out, HasSubstr("TableSelectionFollowed"));
  bool replicated = false;
  for (int i = 0; i < 300 && !replicated; ++i) {
    replicated = dst_->Scalar("app", "SELECT count(*) FROM public.\"Extra\"") == "51";
    if (!replicated) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(replicated);
  // A column added on the source: the operator's next refresh adds it on the destination, and
  // the change the subscription had stopped at goes through.
  src_->Exec("app", "ALTER TABLE public.\"Extra\" ADD COLUMN note text; INSERT INTO public.\"Extra\" VALUES (52, 'after DDL')");
  bool added = false;
  for (int i = 0; i < 300 && !added; ++i) {
    // (to_jsonb: the column is not there at first)
    added = dst_->Scalar("app", "SELECT count(*) FROM public.\"Extra\" e WHERE to_jsonb(e)->>'note' = 'after DDL'") == "1";
    if (!added) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(added) << op->log();
  EXPECT_THAT(Kubectl({"describe", "pgm", "sel"}).out, HasSubstr("ColumnsAdded"));
  r = Kubectl({"delete", "pgm", "sel", "--timeout=60s"});
  EXPECT_EQ(r.exit_code, 0) << r.all() << "\n--- operator log:\n" << op->log();
  Objects o = ReplicationObjects("app");
  EXPECT_EQ(o.publications + o.slots + o.subscriptions, 0);
  EXPECT_EQ(op->Terminate(), 0) << op->log();
}

}  // namespace
}  // namespace pgferry::e2e
