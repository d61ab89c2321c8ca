// `pgferry check` against real PostgreSQL 15 servers: the checks, the method chosen per
// database and why, the exit codes, and what must never be printed.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/harness/manifest_builder.h"
#include "tests/harness/pg_cluster.h"

namespace pgferry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CheckTest : public ::testing::Test {
 protected:
  void StartServers(PgClusterOptions src = {}, PgClusterOptions dst = {}) {
    src_ = PgCluster::Start(src);
    dst_ = PgCluster::Start(dst);
  }
  ManifestOptions Options() {
    ManifestOptions o;
    o.source = ServerRef::Of(*src_);
    o.destination = ServerRef::Of(*dst_, /*superuser=*/true);
    return o;
  }
  CommandResult Check(const std::string& manifest, const std::string& output = "text") {
    std::string path = dir_.Write("m.yaml", manifest);
    return RunCommand({PgferryBinary(), "check", "-f", path, "-o", output});
  }
  nlohmann::json CheckJson(const std::string& manifest, int expect_exit = 0) {
    CommandResult r = Check(manifest, "json");
    EXPECT_EQ(r.exit_code, expect_exit) << r.output << r.err;
    return nlohmann::json::parse(r.output);
  }
  static const nlohmann::json* Db(const nlohmann::json& report, const std::string& name) {
    for (const auto& d : report["databases"])
      if (d["dbname"] == name) return &d;
    return nullptr;
  }

  TempDir dir_;
  std::unique_ptr<PgCluster> src_, dst_;
};

TEST_F(CheckTest, PassesAndChoosesReplicationWhenEverythingIsInPlace) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app OWNER migrator");
  src_->Exec("app", "SET ROLE migrator; CREATE TABLE public.t (id int PRIMARY KEY)");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 0) << r.output << r.err;
  EXPECT_THAT(r.output, HasSubstr("check passed"));
  auto j = CheckJson(BuildManifest(o));
  ASSERT_NE(Db(j, "app"), nullptr);
  EXPECT_EQ((*Db(j, "app"))["method"], "replication");
  EXPECT_EQ((*Db(j, "app"))["tables"], 1);
  EXPECT_EQ(Db(j, "template1"), nullptr);
  EXPECT_EQ(Db(j, "template0"), nullptr);
}

TEST_F(CheckTest, WrongPasswordShowsServerMessageAndNeverThePassword) {
  StartServers();
  auto o = Options();
  o.source.password = "Very-Wrong-Secret-42";
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("password authentication failed for user \"migrator\""));
  EXPECT_THAT(r.output + r.err, Not(HasSubstr("Very-Wrong-Secret-42")));
  EXPECT_THAT(r.output + r.err, Not(HasSubstr(PgCluster::kSuperPassword)));
  auto j = CheckJson(BuildManifest(o), 3);
  EXPECT_THAT(j.dump(), Not(HasSubstr("Very-Wrong-Secret-42")));
}

TEST_F(CheckTest, UnansweringHostFailsWithinTheConnectTimeoutPlusOneSecond) {
  StartServers();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto o = Options();
  o.source.port = ntohs(addr.sin_port);
  o.source.connect_timeout = 2;
  auto start = std::chrono::steady_clock::now();
  CommandResult r = Check(BuildManifest(o));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_LT(secs, 3.0);
  EXPECT_THAT(r.output, HasSubstr("timeout expired after 2s"));
  EXPECT_THAT(r.output, HasSubstr("source"));
}

TEST_F(CheckTest, RefusedConnectionIsReportedForTheDestination) {
  StartServers();
  auto o = Options();
  o.destination.port = 1;  // nothing listens there
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("destination: connection to server at \"127.0.0.1\", port 1 failed"));
}

TEST_F(CheckTest, WalLevelReplicaFallsBackToDumpNamingWalLevel) {
  StartServers({.settings = {"wal_level=replica"}});
  src_->Exec("postgres", "CREATE DATABASE app");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  auto j = CheckJson(BuildManifest(o));
  ASSERT_NE(Db(j, "app"), nullptr);
  EXPECT_EQ((*Db(j, "app"))["method"], "pg_dump");
  EXPECT_THAT((*Db(j, "app"))["reason"].get<std::string>(), HasSubstr("wal_level is 'replica'"));
  // With method: replication the same database fails the check instead.
  o.extra_spec = "  method: replication\n";
  auto f = CheckJson(BuildManifest(o), 3);
  EXPECT_THAT((*Db(f, "app"))["error"].get<std::string>(), HasSubstr("wal_level"));
}

TEST_F(CheckTest, TooFewReplicationSlotsNamesSlots) {
  StartServers({.settings = {"max_replication_slots=1"}});
  src_->Exec("postgres", "CREATE DATABASE a1");
  src_->Exec("postgres", "CREATE DATABASE a2");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  o.extra_spec = "  databases: {include: [a1, a2]}\n";
  auto j = CheckJson(BuildManifest(o));
  EXPECT_EQ((*Db(j, "a1"))["method"], "replication");
  EXPECT_EQ((*Db(j, "a2"))["method"], "pg_dump");
  EXPECT_THAT((*Db(j, "a2"))["reason"].get<std::string>(),
              HasSubstr("no free replication slot on the source (max_replication_slots=1"));
}

TEST_F(CheckTest, NonSuperuserWithoutOwnershipOrSubscriptionRightsFallsBack) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("postgres", "GRANT CREATE ON DATABASE app TO migrator");
  // Readable (pg_dump needs SELECT, see ATableTheSourceUserCannotRead...) but not owned.
  src_->Exec("app", "CREATE TABLE public.owned_by_postgres (id int PRIMARY KEY); "
                    "GRANT SELECT ON public.owned_by_postgres TO migrator");
  auto o = Options();
  o.destination = ServerRef::Of(*dst_);  // non-superuser: cannot CREATE SUBSCRIPTION on PG15
  auto j = CheckJson(BuildManifest(o));
  std::string reason = (*Db(j, "app"))["reason"].get<std::string>();
  EXPECT_EQ((*Db(j, "app"))["method"], "pg_dump");
  EXPECT_THAT(reason, HasSubstr("does not own public.owned_by_postgres"));
  EXPECT_THAT(reason, HasSubstr("cannot create subscriptions"));
}

TEST_F(CheckTest, ATableTheSourceUserCannotReadIsNamedBeforeAnythingIsWritten) {
  // pg_dump would fail on it later ("permission denied for table", from its LOCK TABLE), after
  // the destination database was created.
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app OWNER migrator");
  src_->Exec("app", "CREATE TABLE public.\"Payroll.2026\" (id int); SET ROLE migrator; "
                    "CREATE TABLE public.mine (id int PRIMARY KEY)");
  auto o = Options();
  o.extra_spec = "  databases: {include: [app]}\n";
  auto j = CheckJson(BuildManifest(o), 3);
  EXPECT_THAT((*Db(j, "app"))["error"].get<std::string>(),
              HasSubstr("source user \"migrator\" has no SELECT on public.Payroll.2026, which pg_dump needs"));
  src_->Exec("postgres", "GRANT pg_read_all_data TO migrator");
  j = CheckJson(BuildManifest(o), 0);
  EXPECT_EQ((*Db(j, "app"))["error"], nullptr);
}

TEST_F(CheckTest, TablesWithoutReplicaIdentityAreNamed) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "CREATE TABLE public.nokey (v text); CREATE TABLE public.keyed (id int PRIMARY KEY);"
                    "CREATE TABLE public.full_ident (v text); ALTER TABLE public.full_ident REPLICA IDENTITY FULL");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  auto j = CheckJson(BuildManifest(o));
  std::string reason = (*Db(j, "app"))["reason"].get<std::string>();
  EXPECT_THAT(reason, HasSubstr("without primary key or replica identity: public.nokey ("));
  EXPECT_THAT(reason, Not(HasSubstr("keyed")));
  EXPECT_THAT(reason, Not(HasSubstr("full_ident")));
}

TEST_F(CheckTest, HostileDatabaseNamesAreListedAndQuoted) {
  StartServers();
  const std::vector<std::string> names = {"CamelCase", "with-dash", "with space", "quo\"te'd",
                                          "dot.ted", "ünï\u6f22"};
  for (const auto& n : names) src_->Exec("postgres", "CREATE DATABASE " + QuoteIdent(n));
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  auto j = CheckJson(BuildManifest(o));
  for (const auto& n : names) {
    ASSERT_NE(Db(j, n), nullptr) << n;
    EXPECT_EQ((*Db(j, n))["error"], nullptr) << n << ": " << (*Db(j, n))["error"];
    EXPECT_EQ((*Db(j, n))["method"], "replication") << n;
  }
  CommandResult r = Check(BuildManifest(o));
  EXPECT_THAT(r.output, HasSubstr("quo\"te'd"));
  EXPECT_THAT(r.output, HasSubstr("ünï\u6f22"));
}

TEST_F(CheckTest, ExcludeEntryWithSqlInjectionExcludesNothingElse) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE db1");
  src_->Exec("postgres", "CREATE DATABASE db2");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  o.extra_spec = "  databases:\n    exclude: [\"db1') OR ('a'='a\"]\n";
  auto j = CheckJson(BuildManifest(o));
  EXPECT_NE(Db(j, "db1"), nullptr);
  EXPECT_NE(Db(j, "db2"), nullptr);
  EXPECT_NE(Db(j, "postgres"), nullptr);
  o.extra_spec = "  databases:\n    exclude: [db1]\n";
  auto k = CheckJson(BuildManifest(o));
  EXPECT_EQ(Db(k, "db1"), nullptr);
  EXPECT_NE(Db(k, "db2"), nullptr);
}

TEST_F(CheckTest, SameServerIsRefused) {
  StartServers();
  auto o = Options();
  o.destination = ServerRef::Of(*src_, true);
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("Migrating to the same server is not supported"));
  o.destination.host = "localhost";  // same server under another name
  r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("Migrating to the same server is not supported"));
}

TEST_F(CheckTest, MissingDatabaseWithoutCreateDatabasesFails) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  auto o = Options();
  o.extra_spec = "  createDatabases: false\n";
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("Database \"app\" does not exist on the destination "
                                  "(spec.createDatabases is false)"));
  dst_->Exec("postgres", "CREATE DATABASE app");
  r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CheckTest, DatabaseThatAllowsNoConnectionsIsSkippedWithANote) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE closed");
  src_->Exec("postgres", "ALTER DATABASE closed ALLOW_CONNECTIONS false");
  CommandResult r = Check(BuildManifest(Options()));
  EXPECT_THAT(r.output, HasSubstr("database \"closed\" skipped: it allows no connections"));
}

TEST_F(CheckTest, MissingLanguageIsAnError) {
  StartServers();
  src_->Exec("postgres", "CREATE LANGUAGE mylang HANDLER plpgsql_call_handler");
  CommandResult r = Check(BuildManifest(Options()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("Languages not installed in destination: mylang"));
}

TEST_F(CheckTest, ExtensionChecksAndExclusion) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "CREATE EXTENSION hstore; CREATE EXTENSION pg_buffercache");
  dst_->Exec("postgres", "CREATE DATABASE app");
  dst_->Exec("app", "CREATE EXTENSION hstore VERSION '1.4'");
  auto o = Options();
  o.destination = ServerRef::Of(*dst_);  // not superuser
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("Installed extension 'hstore' in destination database 'app' is "
                                  "older than in source, destination version: 1.4"));
  EXPECT_THAT(r.output, HasSubstr("Installing extension 'pg_buffercache' (database 'app') on the "
                                  "destination requires superuser"));
  o.extra_spec = "  extensions: {exclude: [hstore, pg_buffercache]}\n";
  r = Check(BuildManifest(o));
  EXPECT_THAT(r.output, Not(HasSubstr("hstore")));
  EXPECT_THAT(r.output, Not(HasSubstr("pg_buffercache")));
}

TEST_F(CheckTest, LargeObjectsAreWarnedAndKeepAutoOffReplication) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "SELECT lo_from_bytea(0, 'hello')");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  auto j = CheckJson(BuildManifest(o));
  EXPECT_EQ((*Db(j, "app"))["method"], "pg_dump");
  EXPECT_THAT((*Db(j, "app"))["warnings"].dump(), HasSubstr("Large objects detected (1)"));
}

TEST_F(CheckTest, MethodDumpAndSchemaOnlyAreReported) {
  StartServers();
  auto o = Options();
  o.extra_spec = "  method: schema_only\n";
  auto j = CheckJson(BuildManifest(o));
  EXPECT_EQ((*Db(j, "postgres"))["method"], "schema_only");
  o.extra_spec = "  method: dump\n";
  j = CheckJson(BuildManifest(o));
  EXPECT_EQ((*Db(j, "postgres"))["method"], "pg_dump");
}

TEST_F(CheckTest, OneRejectedDatabaseFailsOnlyThatDatabase) {
  StartServers({.hba = {"host db1 all 127.0.0.1/32 reject"}});
  src_->Exec("postgres", "CREATE DATABASE db1");
  src_->Exec("postgres", "CREATE DATABASE db2");
  auto o = Options();
  o.source = ServerRef::Of(*src_, true);
  auto j = CheckJson(BuildManifest(o), 3);
  EXPECT_THAT((*Db(j, "db1"))["error"].get<std::string>(), HasSubstr("pg_hba.conf rejects connection"));
  EXPECT_EQ((*Db(j, "db2"))["error"], nullptr);
}

class CheckManifestErrorsTest : public ::testing::Test {
 protected:
  CommandResult Check(const std::string& manifest) {
    return RunCommand({PgferryBinary(), "check", "-f", dir_.Write("m.yaml", manifest)});
  }
  TempDir dir_;
};

TEST_F(CheckManifestErrorsTest, InvalidManifestsExitTwoNamingTheField) {
  ManifestOptions o;
  o.source.port = 70000;
  o.destination.port = 5432;
  CommandResult r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("spec.source.port: must be 1..65535"));

  o.source.port = 5432;
  o.extra_spec = "  tables: {include: [a], exclude: [b]}\n";
  r = Check(BuildManifest(o));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("spec.tables: include and exclude are mutually exclusive"));

  ManifestOptions good;
  good.source.port = 5432;
  good.destination.port = 5433;
  std::string no_secret = BuildManifest(good);
  no_secret = no_secret.substr(no_secret.find("---\n") + 4);  // drop the source Secret
  r = Check(no_secret);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("Secret \"m1-src\" not found"));

  r = Check("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData:\n  a: b\n  c: d: e\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("line 6"));

  r = RunCommand({PgferryBinary(), "check", "-f", "/nonexistent/m.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/m.yaml"));

  r = RunCommand({PgferryBinary(), "check"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand({PgferryBinary(), "check", "-f", dir_.Write("m2.yaml", BuildManifest(o)), "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --bogus"));
}

TEST(HelpFlag, EveryFileCommandPrintsTheUsageAndExitsZero) {
  for (const char* cmd : {"migrate", "check", "cleanup"}) {
    for (const char* flag : {"--help", "-h"}) {
      CommandResult r = RunCommand({PgferryBinary(), cmd, flag});
      EXPECT_EQ(r.exit_code, 0) << cmd << " " << flag << ": " << r.err;
      EXPECT_THAT(r.output, HasSubstr("pgferry migrate  -f FILE...")) << cmd << " " << flag;
      EXPECT_EQ(r.err, "") << cmd << " " << flag;
    }
  }
  CommandResult r = RunCommand({PgferryBinary(), "help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("pgferry cleanup  -f FILE..."));
}

TEST(VersionCommand, PrintsVersionCommitAndLibpq) {
  CommandResult r = RunCommand({PgferryBinary(), "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, ::testing::MatchesRegex("pgferry [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit [0-9a-f]+, libpq 15\\.[0-9]+\\)\n"));
}

}  // namespace
}  // namespace pgferry::testing
