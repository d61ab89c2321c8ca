// `pgferry migrate` with extensions on real PostgreSQL 15 servers: replication by a
// non-superuser through aiven_extras (a stand-in of ours, tests/harness/extensions, which records
// every call), the replicateExtensionTables switch on an extension's configuration table, a
// partition included alone, and what a rerun reports (rows copied, roles).
#include <chrono>
#include <filesystem>
#include <thread>

#include "operator/pg/libpq_session.h"
#include "reconcilers/migration_engine.h"
#include "tests/harness/migration_fixture.h"

namespace pgferry::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// Copies the stand-in extensions into PostgreSQL's extension folder (idempotent).
void InstallTestExtensions() {
  CommandResult r = RunCommand({"pg_config", "--sharedir"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string share = r.output.substr(0, r.output.find_last_not_of("\n ") + 1);
  fs::path to = fs::path(share) / "extension";
  fs::path from = fs::path(PGFERRY_SOURCE_DIR) / "tests" / "harness" / "extensions";
  for (const auto& f : fs::directory_iterator(from)) {
    std::string ext = f.path().extension().string();
    if (ext != ".control" && ext != ".sql") continue;
    std::error_code ec;
    fs::copy_file(f.path(), to / f.path().filename(), fs::copy_options::overwrite_existing, ec);
    ASSERT_FALSE(ec) << "installing " << f.path() << " into " << to << ": " << ec.message()
                     << " (the integration tests install test extensions and run as root)";
  }
}

class ExtensionsTest : public MigrationTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(InstallTestExtensions()); }

  // Per-table fingerprints without the stand-in's call log (it differs by design).
  static std::vector<std::pair<std::string, std::string>> Data(const PgCluster& c,
                                                                 const std::string& db) {
    auto all = c.TableFingerprints(db);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& t : all)
      if (t.first.rfind("aiven_extras.", 0) != 0) out.push_back(t);
    return out;
  }
  bool WaitForSame(const std::string& db) {
    for (int i = 0; i < 300; ++i) {
      if (Data(*src_, db) == Data(*dst_, db)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
  static std::vector<std::string> Calls(const PgCluster& c, const std::string& db) {
    std::vector<std::string> out;
    for (const auto& row : c.Query(db, "SELECT function_name || ' ' || coalesce(object_name, '') "
                                       "|| ' by ' || caller FROM aiven_extras.calls ORDER BY id"))
      out.push_back(row[0]);
    return out;
  }

  // "shop" on the source with tables owned by the superuser (so migrator can neither publish
  // them nor create a FOR ALL TABLES publication itself), readable by migrator; aiven_extras
  // installed on both sides, the destination database owned by migrator.
  void CreateShopWithAivenExtras() {
    src_->Exec("postgres", "CREATE DATABASE shop");
    src_->Exec("shop", R"sql(
      CREATE EXTENSION aiven_extras;
      CREATE TABLE public.customers (id bigserial PRIMARY KEY, name text NOT NULL);
      CREATE TABLE public.orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES public.customers,
                                  total numeric(10,2));
      INSERT INTO public.customers (name) SELECT 'c' || g FROM generate_series(1, 200) g;
      INSERT INTO public.orders (customer_id, total) SELECT 1 + g % 200, g / 3.0 FROM generate_series(1, 1000) g;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO migrator;
      GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO migrator;)sql");
    dst_->Exec("postgres", "CREATE DATABASE shop OWNER migrator");
    dst_->Exec("shop", "CREATE EXTENSION aiven_extras");
  }
  ManifestOptions NonSuperuser() {
    auto o = Options(false, false);
    o.extra_spec = "  databases: {include: [shop]}\n  roles: {migrate: false}\n"
                   "  createDatabases: false\n";
    return o;
  }
};

TEST_F(ExtensionsTest, NonSuperuserReplicatesThroughAivenExtrasAndCutsOver) {
  StartServers();
  CreateShopWithAivenExtras();
  auto o = NonSuperuser();
  o.extra_spec += "  method: replication\n";
  auto status = MigrateJson(BuildManifest(o));
  auto* db = Db(status, "shop");
  ASSERT_NE(db, nullptr) << status.dump();
  EXPECT_EQ((*db)["method"], "replication") << status.dump();
  EXPECT_EQ((*db)["status"], "syncing") << status.dump();
  EXPECT_EQ((*db)["rowsCopied"], 1200);
  std::string name = (*db)["replicationObjects"]["publication"];
  EXPECT_THAT(Calls(*src_, "shop"),
              ::testing::ElementsAre("pg_create_publication_for_all_tables " + name + " by migrator"));
  EXPECT_THAT(Calls(*dst_, "shop"),
              ::testing::ElementsAre("pg_create_subscription " + name + " by migrator"));
  // The superuser owns the subscription (aiven_extras made it); migrator owns the publication.
  EXPECT_EQ(dst_->Scalar("postgres", "SELECT pg_get_userbyid(subowner) FROM pg_subscription"), "postgres");
  EXPECT_EQ(src_->Scalar("shop", "SELECT pg_get_userbyid(pubowner) FROM pg_publication"), "migrator");
  EXPECT_EQ(Data(*src_, "shop"), Data(*dst_, "shop"));

  // Changes on the source arrive.
  src_->Exec("shop", "INSERT INTO public.customers (name) VALUES ('late'); "
                     "UPDATE public.orders SET total = 0 WHERE id <= 10; DELETE FROM public.orders WHERE id > 990");
  EXPECT_TRUE(WaitForSame("shop"));

  // A rerun while replicating reports the rows copied before, and creates nothing twice.
  status = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(status, "shop"))["status"], "syncing") << status.dump();
  EXPECT_EQ((*Db(status, "shop"))["rowsCopied"], 1200) << status.dump();
  EXPECT_EQ(Calls(*dst_, "shop").size(), 1u);

  // Cutover drops the subscription through aiven_extras; nothing is left on either side.
  o.extra_spec += "  replication: {cutover: true}\n";
  status = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(status, "shop"))["status"], "done") << status.dump();
  EXPECT_THAT(Calls(*dst_, "shop"), Contains("pg_alter_subscription_disable " + name + " by migrator"));
  EXPECT_THAT(Calls(*dst_, "shop"), Contains("pg_drop_subscription " + name + " by migrator"));
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
  EXPECT_EQ(dst_->Scalar("shop", "SELECT last_value FROM public.customers_id_seq"),
            src_->Scalar("shop", "SELECT last_value FROM public.customers_id_seq"));
  EXPECT_EQ(Data(*src_, "shop"), Data(*dst_, "shop"));
}

TEST_F(ExtensionsTest, CleanupDropsASubscriptionMadeByAivenExtras) {
  StartServers();
  CreateShopWithAivenExtras();
  src_->Exec("shop", "CREATE TABLE public.notes (id int PRIMARY KEY, body text); "
                     "GRANT SELECT ON public.notes TO migrator");
  auto o = NonSuperuser();
  o.extra_spec += "  tables: {exclude: [public.notes]}\n";
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "shop"), nullptr);
  EXPECT_EQ((*Db(status, "shop"))["method"], "replication") << status.dump();
  std::string name = (*Db(status, "shop"))["replicationObjects"]["publication"];
  // A table list: the publication lists the selected tables only.
  EXPECT_THAT(Calls(*src_, "shop"),
              ::testing::ElementsAre("pg_create_publication " + name + " by migrator"));
  EXPECT_EQ(src_->Scalar("shop", "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables"),
            "customers,orders");
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 3);
  // migrator cannot drop the superuser's subscription itself.
  EXPECT_THAT(dst_->Scalar("postgres", "SELECT pg_get_userbyid(subowner) FROM pg_subscription"), "postgres");

  CommandResult c = Run("cleanup", BuildManifest(o));
  EXPECT_EQ(c.exit_code, 0) << c.output << c.err;
  EXPECT_THAT(c.output, HasSubstr("dropped subscription " + name));
  EXPECT_THAT(Calls(*dst_, "shop"), Contains("pg_list_all_subscriptions  by migrator"));
  EXPECT_THAT(Calls(*dst_, "shop"), Contains("pg_drop_subscription " + name + " by migrator"));
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
  c = Run("cleanup", BuildManifest(o));
  EXPECT_EQ(c.exit_code, 0) << c.output << c.err;
}

// A table added to the selection while replicating: the publication (migrator's) gets it with
// ALTER PUBLICATION (migrator owns the table), and the superuser's subscription is refreshed
// through aiven_extras, which copies it.
TEST_F(ExtensionsTest, ATableAddedWhileReplicatingIsCopiedThroughAivenExtrasRefresh) {
  StartServers();
  CreateShopWithAivenExtras();
  src_->Exec("shop", "CREATE TABLE public.notes (id int PRIMARY KEY, body text); "
                     "INSERT INTO public.notes SELECT g, 'n' || g FROM generate_series(1, 20) g; "
                     "ALTER TABLE public.notes OWNER TO migrator");
  auto o = NonSuperuser();
  o.extra_spec += "  method: replication\n";
  auto without_notes = o;
  without_notes.extra_spec += "  tables: {exclude: [public.notes]}\n";
  auto status = MigrateJson(BuildManifest(without_notes));
  ASSERT_NE(Db(status, "shop"), nullptr);
  EXPECT_EQ((*Db(status, "shop"))["status"], "syncing") << status.dump();
  std::string name = (*Db(status, "shop"))["replicationObjects"]["subscription"];
  EXPECT_EQ(dst_->Scalar("shop", "SELECT count(*) FROM public.notes"), "0");

  status = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(status, "shop"))["status"], "syncing") << status.dump();
  EXPECT_EQ((*Db(status, "shop"))["tablesSynced"], 3) << status.dump();
  EXPECT_THAT(Calls(*dst_, "shop"), Contains("pg_alter_subscription_refresh_publication " + name + " by migrator"));
  EXPECT_EQ(dst_->Scalar("shop", "SELECT count(*) FROM public.notes"), "20");
  src_->Exec("shop", "INSERT INTO public.notes VALUES (21, 'late')");
  EXPECT_TRUE(WaitForSame("shop"));
  ASSERT_EQ(Run("cleanup", BuildManifest(o)).exit_code, 0);
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
}

TEST_F(ExtensionsTest, AivenExtrasOnlyOnTheSourceWithASuperuserDestination) {
  // Each side decides for itself: the non-superuser source publishes through aiven_extras, the
  // superuser destination subscribes in plain SQL (the schema restore installs the extension there).
  StartServers();
  CreateShopWithAivenExtras();
  dst_->Exec("postgres", "DROP DATABASE shop");
  auto o = Options(false, true);
  o.extra_spec = "  databases: {include: [shop]}\n  roles: {migrate: false}\n"
                 "  replication: {cutover: true}\n";
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "shop"), nullptr);
  EXPECT_EQ((*Db(status, "shop"))["method"], "replication") << status.dump();
  EXPECT_EQ((*Db(status, "shop"))["status"], "done") << status.dump();
  ASSERT_EQ(Calls(*src_, "shop").size(), 1u);
  EXPECT_THAT(Calls(*src_, "shop")[0], HasSubstr("pg_create_publication_for_all_tables"));
  EXPECT_EQ(dst_->Scalar("shop", "SELECT count(*) FROM pg_extension WHERE extname = 'aiven_extras'"), "1");
  EXPECT_TRUE(Calls(*dst_, "shop").empty());
  EXPECT_EQ(Data(*src_, "shop"), Data(*dst_, "shop"));
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
}

TEST_F(ExtensionsTest, WithoutAivenExtrasTheSameUserFallsBackToACopy) {
  // The control case: the same servers and privileges minus aiven_extras cannot replicate.
  StartServers();
  CreateShopWithAivenExtras();
  src_->Exec("shop", "DROP EXTENSION aiven_extras");
  dst_->Exec("shop", "DROP EXTENSION aiven_extras");
  auto status = MigrateJson(BuildManifest(NonSuperuser()));
  ASSERT_NE(Db(status, "shop"), nullptr);
  EXPECT_EQ((*Db(status, "shop"))["method"], "pg_dump") << status.dump();
  EXPECT_EQ((*Db(status, "shop"))["status"], "done") << status.dump();
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
}

class ExtensionTablesTest : public ExtensionsTest {
 protected:
  void CreateGeo(const std::string& db) {
    src_->Exec("postgres", "CREATE DATABASE " + db);
    src_->Exec(db, "CREATE EXTENSION pgferry_test_config; "
                   "INSERT INTO pgferry_test_config.settings VALUES ('srid', '4326'), ('units', 'm'); "
                   "CREATE TABLE public.places (id int PRIMARY KEY, name text); "
                   "INSERT INTO public.places SELECT g, 'p' || g FROM generate_series(1, 50) g");
  }
  std::string Settings(const PgCluster& c, const std::string& db) {
    return c.Scalar(db, "SELECT string_agg(name, ',' ORDER BY name) FROM pgferry_test_config.settings");
  }
};

TEST_F(ExtensionTablesTest, ConfigurationTableRowsAreCopiedWhenTheSwitchIsOn) {
  StartServers();
  CreateGeo("geo");
  auto o = Options();
  o.extra_spec = "  databases: {include: [geo]}\n";  // replicateExtensionTables defaults to true
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "geo"), nullptr);
  EXPECT_EQ((*Db(status, "geo"))["method"], "replication") << status.dump();
  EXPECT_EQ((*Db(status, "geo"))["tablesTotal"], 2) << status.dump();
  // The destination's default row (from CREATE EXTENSION) is replaced by the source's rows.
  EXPECT_EQ(Settings(*dst_, "geo"), "default,srid,units");
  EXPECT_EQ(dst_->Scalar("geo", "SELECT count(*) FROM pgferry_test_config.settings"), "3");
  // Published too: a change on the source arrives.
  src_->Exec("geo", "INSERT INTO pgferry_test_config.settings VALUES ('zone', 'utc')");
  EXPECT_TRUE(WaitForSameData("geo"));
  EXPECT_EQ(Run("cleanup", BuildManifest(o)).exit_code, 0);
  EXPECT_EQ(LeftoverReplicationObjects({"geo"}), 0);
}

TEST_F(ExtensionTablesTest, ConfigurationTableRowsStayBehindWhenTheSwitchIsOff) {
  StartServers();
  CreateGeo("geo");
  auto o = Options();
  for (std::string method : {"dump", "replication"}) {
    SCOPED_TRACE(method);
    o.name = "m-" + method;
    o.extra_spec = "  databases: {include: [geo]}\n  replicateExtensionTables: false\n  method: " +
                   method + "\n";
    dst_->Exec("postgres", "DROP DATABASE IF EXISTS geo WITH (FORCE)");
    auto status = MigrateJson(BuildManifest(o));
    ASSERT_NE(Db(status, "geo"), nullptr);
    EXPECT_EQ((*Db(status, "geo"))["method"], method == "dump" ? "pg_dump" : "replication")
        << status.dump();
    EXPECT_EQ((*Db(status, "geo"))["tablesTotal"], 1) << status.dump();
    // Only the row CREATE EXTENSION put there; the user table is copied.
    EXPECT_EQ(Settings(*dst_, "geo"), "default");
    EXPECT_EQ(dst_->Scalar("geo", "SELECT count(*) FROM public.places"), "50");
    EXPECT_EQ(Run("cleanup", BuildManifest(o)).exit_code, 0);
    EXPECT_EQ(LeftoverReplicationObjects({"geo"}), 0);
  }
}

TEST_F(ExtensionsTest, PartitionIncludedAloneIsCopiedAndReplicated) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE ev");
  src_->Exec("ev", R"sql(
    CREATE TABLE public.events (id int, at date NOT NULL, what text, PRIMARY KEY (id, at))
      PARTITION BY RANGE (at);
    CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    INSERT INTO public.events SELECT g, date '2024-01-01' + g, 'e' || g FROM generate_series(1, 700) g;)sql");
  auto o = Options();
  o.extra_spec = "  databases: {include: [ev]}\n  tables: {include: [public.events_2024]}\n";
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "ev"), nullptr);
  EXPECT_EQ((*Db(status, "ev"))["method"], "replication") << status.dump();
  EXPECT_EQ((*Db(status, "ev"))["tablesTotal"], 1) << status.dump();
  std::string in_2024 = src_->Scalar("ev", "SELECT count(*) FROM public.events_2024");
  EXPECT_EQ(in_2024, "365");
  EXPECT_EQ(dst_->Scalar("ev", "SELECT count(*) FROM public.events_2024"), in_2024);
  EXPECT_EQ((*Db(status, "ev"))["rowsCopied"], 365);
  EXPECT_EQ(dst_->Scalar("ev", "SELECT count(*) FROM public.events_2025"), "0");
  // A row routed into the partition on the source arrives; one for the other partition does not.
  src_->Exec("ev", "INSERT INTO public.events VALUES (9001, '2024-06-01', 'late'), (9002, '2025-06-01', 'other')");
  bool arrived = false;
  for (int i = 0; i < 300 && !arrived; ++i) {
    arrived = dst_->Scalar("ev", "SELECT count(*) FROM public.events WHERE id = 9001") == "1";
    if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(arrived);
  EXPECT_EQ(dst_->Scalar("ev", "SELECT count(*) FROM public.events_2025"), "0");
  EXPECT_EQ(Run("cleanup", BuildManifest(o)).exit_code, 0);
  EXPECT_EQ(LeftoverReplicationObjects({"ev"}), 0);
}

TEST_F(ExtensionsTest, DumpRerunReportsTheRowsCopiedBefore) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "CREATE TABLE public.t (id int PRIMARY KEY); INSERT INTO public.t SELECT generate_series(1, 123)");
  auto o = Options();
  o.extra_spec = "  databases: {include: [app]}\n  method: dump\n";
  auto first = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(first, "app"), nullptr);
  EXPECT_EQ((*Db(first, "app"))["rowsCopied"], 123) << first.dump();
  auto again = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(again, "app"))["status"], "done") << again.dump();
  EXPECT_EQ((*Db(again, "app"))["rowsCopied"], 123) << again.dump();
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.t"), "123");
}


TEST_F(ExtensionsTest, ContinuedStatusListsEachRoleOnce) {
  // The operator continues one status across runs; the engine used to append every role again.
  StartServers();
  src_->Exec("postgres", "CREATE ROLE app_owner LOGIN; CREATE ROLE app_reader NOLOGIN");
  api::MigrationSpec spec;
  spec.method = "dump";
  spec.databases.include = {"no_such_database"};  // roles only
  pg::LibpqConnector connector;
  EngineOptions options;
  options.connector = &connector;
  auto params = [](const PgCluster& c) {
    pg::ConnParams p;
    p.host = c.host();
    p.port = c.port();
    p.user = PgCluster::kSuperuser;
    p.password = PgCluster::kSuperPassword;
    return p;
  };
  options.endpoints = {params(*src_), params(*dst_)};
  options.migration_id = "0a1b2c3d";
  api::MigrationStatus status;
  for (int run = 0; run < 3; ++run) {
    MigrationEngine engine(spec, options, &status);
    EXPECT_EQ(engine.Run(), RunOutcome::kDone) << "run " << run;
  }
  std::map<std::string, int> seen;
  for (const auto& r : status.roles) ++seen[r.rolname];
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
  ASSERT_EQ(seen.count("app_owner"), 1u);
  for (const auto& r : status.roles) {
    if (r.rolname == "app_owner" || r.rolname == "app_reader") EXPECT_EQ(r.status, "created") << r.rolname;
    if (r.rolname == "migrator") EXPECT_EQ(r.status, "exists");
  }
}

}  // namespace
}  // namespace pgferry::testing

namespace pgferry::testing {
namespace {

// walRetainedBytes and lagBytes while the subscription cannot keep up: with it disabled, WAL
// written on the source after the copy stays behind the slot and both figures grow; cutover
// drops the slot and both go back to 0. The engine is run in-process with a sync timeout, so
// that it returns while the database is not in sync (the CLI waits for sync).
TEST_F(ExtensionsTest, RetainedWalGrowsWhileTheSubscriptionLagsAndIsZeroAfterCutover) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "CREATE TABLE public.t (id bigserial PRIMARY KEY, v text NOT NULL); "
                    "INSERT INTO public.t (v) SELECT md5(g::text) FROM generate_series(1, 1000) g");
  api::MigrationSpec spec;
  spec.method = "replication";
  spec.databases.include = {"app"};
  spec.roles.migrate = false;
  pg::LibpqConnector connector;
  EngineOptions options;
  options.connector = &connector;
  auto params = [](const PgCluster& c) {
    pg::ConnParams p;
    p.host = c.host();
    p.port = c.port();
    p.user = PgCluster::kSuperuser;
    p.password = PgCluster::kSuperPassword;
    return p;
  };
  options.endpoints = {params(*src_), params(*dst_)};
  options.migration_id = "5e1f0a2b";
  options.poll_interval = std::chrono::milliseconds(100);
  options.sync_timeout = std::chrono::seconds(3);
  api::MigrationStatus status;
  auto db = [&]() -> const api::DatabaseStatus& {
    for (const auto& d : status.databases)
      if (d.dbname == "app") return d;
    ADD_FAILURE() << "database app missing from the status";
    static api::DatabaseStatus none;
    return none;
  };
  {
    MigrationEngine engine(spec, options, &status);
    ASSERT_EQ(engine.Run(), RunOutcome::kDone);
  }
  ASSERT_EQ(db().status, api::kDbSyncing) << db().error.value_or("");
  const std::string sub = db().replicationObjects.subscription;
  ASSERT_FALSE(sub.empty());

  // Stop applying, then write about 8 MB of WAL on the source.
  dst_->Exec("app", "ALTER SUBSCRIPTION " + QuoteIdent(sub) + " DISABLE");
  // The apply worker stops on its own time; until then it could still apply what follows. A
  // worker that was still starting when the subscription was disabled can show up a moment
  // later, so "stopped" is no worker on the destination and an inactive slot on the source,
  // seen five times in a row 100 ms apart.
  auto stopped = [&]() {
    return dst_->Scalar("app", "SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL") == "0" &&
           src_->Scalar("postgres", "SELECT count(*) FROM pg_replication_slots WHERE active") == "0";
  };
  for (int i = 0, calm = 0; i < 150 && calm < 5; ++i) {
    calm = stopped() ? calm + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(stopped());
  auto lsn = [&]() { return std::stoll(src_->Scalar("app", "SELECT pg_current_wal_lsn() - '0/0'")); };
  int64_t before = lsn();
  src_->Exec("app", "INSERT INTO public.t (v) SELECT repeat(md5(g::text), 4) FROM generate_series(1, 50000) g");
  int64_t written = lsn();
  {
    MigrationEngine engine(spec, options, &status);
    EXPECT_EQ(engine.Run(), RunOutcome::kDone);
  }
  EXPECT_EQ(db().status, api::kDbSyncing) << "still replicating; lagBytes says how far behind";
  EXPECT_GE(db().lagBytes, written - before);  // at least the insert's WAL (about 6 MB)
  EXPECT_GT(written - before, 4 << 20);
  EXPECT_GE(db().walRetainedBytes, db().lagBytes);
  EXPECT_LT(db().walRetainedBytes, written);  // a difference of positions, not the whole WAL

  // Applying again, with cutover asked for in a new run (as after an operator restart): the
  // cutover waits until the insert is applied, and then the slot (and what it kept) is gone.
  dst_->Exec("app", "ALTER SUBSCRIPTION " + QuoteIdent(sub) + " ENABLE");
  options.sync_timeout = std::chrono::seconds(60);
  spec.replication.cutover = true;
  {
    MigrationEngine engine(spec, options, &status);
    EXPECT_EQ(engine.Run(), RunOutcome::kDone);
  }
  EXPECT_EQ(db().status, api::kDbDone) << db().error.value_or("");
  EXPECT_EQ(db().walRetainedBytes, 0);
  EXPECT_EQ(db().lagBytes, 0);
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM public.t"), "51000");
  EXPECT_EQ(LeftoverReplicationObjects({"app"}), 0);
}

}  // namespace
}  // namespace pgferry::testing
