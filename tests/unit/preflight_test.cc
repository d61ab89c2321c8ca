// Unit tests for the pure preflight rules (reconcilers/preflight.h): inventories are built by
// hand, so every rule and every message is checked without a server.
#include "reconcilers/preflight.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgferry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A PostgreSQL 15 server on which everything pgferry needs is allowed.
ServerInventory Server(const std::string& user, const std::string& identity) {
  ServerInventory s;
  s.version_num = 150018;
  s.version = "15.18";
  s.wal_level = "logical";
  s.max_replication_slots = 10;
  s.max_wal_senders = 10;
  s.max_logical_replication_workers = 4;
  s.user = user;
  s.is_superuser = true;
  s.can_replicate = true;
  s.can_create_db = true;
  s.can_create_role = true;
  s.can_create_subscription = true;
  s.identity = identity;
  s.languages = {"c", "internal", "plpgsql", "sql"};
  return s;
}

TableInfo Table(const std::string& schema, const std::string& name) {
  TableInfo t;
  t.schema = schema;
  t.name = name;
  t.owned_by_user = true;
  return t;
}

DatabaseInventory Inventory(const std::string& name, std::vector<TableInfo> tables = {}) {
  DatabaseInventory inv;
  inv.name = name;
  inv.extensions = {{"plpgsql", "1.0", "pg_catalog"}};
  inv.tables = std::move(tables);
  inv.can_create = true;
  return inv;
}

// A database present and readable on both ends.
DatabaseProbe Probe(const std::string& name,
                    std::vector<TableInfo> tables = {Table("public", "orders")}) {
  DatabaseProbe p;
  p.name = name;
  p.source = Inventory(name, std::move(tables));
  p.exists_on_destination = true;
  p.destination = Inventory(name);
  return p;
}

class PreflightTest : public ::testing::Test {
 protected:
  PreflightTest() {
    in_.source_endpoint = "src.example.com:5432";
    in_.destination_endpoint = "dst.example.com:5432";
    in_.source = Server("src_admin", "2024-01-01 00:00:00+00:5432");
    in_.destination = Server("dst_admin", "2024-02-02 00:00:00+00:5432");
  }

  PreflightReport Run() {
    in_.spec = &spec_;
    return RunPreflight(in_);
  }

  // Under each of `methods`, the first database fails with `error` (and so does the report).
  void ExpectFirstDatabaseFails(std::initializer_list<const char*> methods, const std::string& error) {
    for (const char* method : methods) {
      spec_.method = method;
      PreflightReport r = Run();
      EXPECT_FALSE(r.ok()) << method;
      ASSERT_FALSE(r.databases.empty()) << method;
      EXPECT_EQ(r.databases[0].error.value_or(""), error) << method;
    }
  }

  // The blockers for the first database in `in_`, as RunPreflight would ask for them.
  std::vector<std::string> Blockers(int slot_index = 0) {
    in_.spec = &spec_;
    const DatabaseProbe& db = in_.databases.at(0);
    return ReplicationBlockers(in_, db, db.source->tables, false, slot_index);
  }

  // The errors of a run over one database whose source has `exts` installed.
  std::vector<std::string> ExtensionErrors(std::vector<InstalledExtension> exts) {
    DatabaseProbe p = Probe("app");
    for (auto& e : exts) p.source->extensions.push_back(std::move(e));
    in_.databases = {p};
    return Run().errors;
  }

  api::MigrationSpec spec_;
  PreflightInput in_;
};

// ---- healthy case ----

TEST_F(PreflightTest, HealthyServersReplicateEveryDatabase) {
  in_.databases = {Probe("app"), Probe("billing")};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
  ASSERT_EQ(r.databases.size(), 2u);
  for (const auto& plan : r.databases) {
    EXPECT_EQ(plan.method, api::kMethodReplication) << plan.dbname;
    EXPECT_FALSE(plan.reason) << plan.dbname;
    EXPECT_FALSE(plan.error) << plan.dbname;
    EXPECT_TRUE(plan.all_tables);
    EXPECT_TRUE(plan.exists_on_destination);
    ASSERT_EQ(plan.tables.size(), 1u);
    EXPECT_EQ(plan.tables[0].Qualified(), "public.orders");
  }
  EXPECT_EQ(r.databases[0].dbname, "app");
  EXPECT_EQ(r.databases[1].dbname, "billing");
}

TEST_F(PreflightTest, PlanKeepsOnlySelectedTables) {
  spec_.tables.exclude = {"public.audit_log"};
  in_.databases = {Probe("app", {Table("public", "orders"), Table("public", "audit_log")})};
  PreflightReport r = Run();
  ASSERT_EQ(r.databases.size(), 1u);
  ASSERT_EQ(r.databases[0].tables.size(), 1u);
  EXPECT_EQ(r.databases[0].tables[0].name, "orders");
  EXPECT_FALSE(r.databases[0].all_tables);
}

// ---- checks that stop everything ----

TEST_F(PreflightTest, RefusesTheSameEndpoint) {
  in_.destination_endpoint = in_.source_endpoint;
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_THAT(r.errors, ElementsAre("Migrating to the same server is not supported"));
  EXPECT_FALSE(r.ok());
}

TEST_F(PreflightTest, RefusesTheSameServerUnderAnotherName) {
  in_.destination_endpoint = "10.0.0.7:5432";  // the same postmaster, reached by address
  in_.destination.identity = in_.source.identity;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors, ElementsAre("Migrating to the same server is not supported"));
}

TEST_F(PreflightTest, EmptyIdentitiesDoNotMeanTheSameServer) {
  in_.source.identity.clear();
  in_.destination.identity.clear();
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors, IsEmpty());
}

TEST_F(PreflightTest, RefusesAnOlderMajorVersionOnTheDestination) {
  in_.source.version_num = 160004;
  in_.destination.version_num = 150018;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors,
              ElementsAre("Migrating to older major PostgreSQL server version is not supported "
                          "(source 16, destination 15)"));
}

TEST_F(PreflightTest, AllowsAnOlderMinorAndANewerMajorVersion) {
  in_.source.version_num = 150018;
  in_.destination.version_num = 150002;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors, IsEmpty());
  in_.destination.version_num = 170000;
  EXPECT_THAT(Run().errors, IsEmpty());
}

TEST_F(PreflightTest, RefusesA96To95Downgrade) {
  // Before PostgreSQL 10 the major version is the first two parts: 9.6 -> 9.5 is a downgrade.
  in_.source.version_num = 90624;
  in_.source.version = "9.6.24";
  in_.destination.version_num = 90525;
  in_.destination.version = "9.5.25";
  in_.databases = {Probe("app")};
  // (ServerInventory::major() once was version_num / 10000: both "major 9", not refused.)
  EXPECT_THAT(Run().errors, ElementsAre(::testing::HasSubstr("older major")));
}

TEST_F(PreflightTest, NamesMissingLanguagesSorted) {
  in_.source.languages = {"plpgsql", "plpython3u", "c", "plperl", "sql"};
  in_.destination.languages = {"c", "plpgsql", "sql"};
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors,
              ElementsAre("Languages not installed in destination: plperl, plpython3u"));
}

TEST_F(PreflightTest, MissingDatabaseIsAnErrorWhenDatabasesMayNotBeCreated) {
  spec_.createDatabases = false;
  in_.destination.can_create_db = false;
  DatabaseProbe p = Probe("app");
  p.exists_on_destination = false;
  p.destination.reset();
  in_.databases = {p};
  PreflightReport r = Run();
  // Only the missing database: CREATEDB is not needed when nothing is created.
  EXPECT_THAT(r.errors, ElementsAre("Database \"app\" does not exist on the destination "
                                    "(spec.createDatabases is false)"));
  EXPECT_FALSE(r.ok());
}

TEST_F(PreflightTest, MissingDatabaseNeedsCreatedbOnce) {
  in_.destination.is_superuser = false;
  in_.destination.can_create_db = false;
  DatabaseProbe a = Probe("app"), b = Probe("billing");
  for (DatabaseProbe* p : {&a, &b}) {
    p->exists_on_destination = false;
    p->destination.reset();
  }
  in_.databases = {a, b};
  PreflightReport r = Run();
  EXPECT_THAT(r.errors, ElementsAre("destination user \"dst_admin\" cannot create databases (needs "
                                    "CREATEDB), and spec.createDatabases is true"));
  ASSERT_EQ(r.databases.size(), 2u);
  EXPECT_FALSE(r.databases[0].exists_on_destination);
  EXPECT_FALSE(r.databases[0].error);
}

TEST_F(PreflightTest, MissingDatabaseIsFineWithCreatedb) {
  DatabaseProbe p = Probe("app");
  p.exists_on_destination = false;
  p.destination.reset();
  in_.databases = {p};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.databases.at(0).method, api::kMethodReplication);
}

TEST_F(PreflightTest, CreatedbIsNotNeededWhenEveryDatabaseExists) {
  in_.destination.can_create_db = false;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Run().errors, IsEmpty());
}

TEST_F(PreflightTest, UnreadableSourceDatabaseFailsOnlyThatDatabase) {
  DatabaseProbe bad;
  bad.name = "locked";
  bad.source_error = Status(StatusCode::kPermissionDenied, "permission denied for database locked");
  bad.exists_on_destination = true;
  in_.databases = {bad, Probe("app")};
  PreflightReport r = Run();
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.databases.size(), 2u);
  EXPECT_EQ(r.databases[0].dbname, "locked");
  EXPECT_EQ(r.databases[0].error,
            "Access to source database \"locked\" failed: permission denied for database locked");
  EXPECT_EQ(r.databases[0].method, "");
  EXPECT_TRUE(r.databases[0].exists_on_destination);
  EXPECT_FALSE(r.databases[1].error);
  EXPECT_EQ(r.databases[1].method, api::kMethodReplication);
}

TEST_F(PreflightTest, UnreadableDestinationDatabaseFailsThatDatabase) {
  DatabaseProbe p = Probe("app");
  p.destination.reset();
  p.destination_error = Status(StatusCode::kUnauthenticated, "password authentication failed");
  in_.databases = {p};
  PreflightReport r = Run();
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.databases.at(0).error,
            "Access to destination database \"app\" failed: password authentication failed");
  EXPECT_EQ(r.databases[0].method, "");
}

// ---- extensions ----

TEST_F(PreflightTest, ExtensionInstalledOlderOnTheDestination) {
  DatabaseProbe p = Probe("app");
  p.source->extensions.push_back({"postgis", "3.3.2", "public"});
  p.destination->extensions.push_back({"postgis", "3.1.0", "public"});
  in_.databases = {p};
  EXPECT_THAT(Run().errors,
              ElementsAre("Installed extension 'postgis' in destination database 'app' is older "
                          "than in source, destination version: 3.1.0, source version: 3.3.2"));
}

TEST_F(PreflightTest, ExtensionInstalledSameOrNewerOnTheDestination) {
  in_.destination.is_superuser = false;  // installed already: no privilege needed
  DatabaseProbe p = Probe("app");
  p.source->extensions.push_back({"hstore", "1.8", "public"});
  p.source->extensions.push_back({"citext", "1.9", "public"});
  p.destination->extensions.push_back({"hstore", "1.8", "public"});
  p.destination->extensions.push_back({"citext", "1.10", "public"});
  in_.databases = {p};
  EXPECT_THAT(Run().errors, IsEmpty());
}

TEST_F(PreflightTest, ExtensionNotAvailableOnTheDestination) {
  EXPECT_THAT(ExtensionErrors({{"pg_partman", "4.7.0", "public"}}),
              ElementsAre("Extension 'pg_partman' (database 'app') is not available for "
                          "installation on the destination"));
}

TEST_F(PreflightTest, ExtensionAvailableButTooOld) {
  in_.destination.available_extensions = {{"hstore", "1.7", true, true}};
  EXPECT_THAT(ExtensionErrors({{"hstore", "1.8", "public"}}),
              ElementsAre("Extension 'hstore' version available for installation on the "
                          "destination is too old, source version: 1.8, destination version: 1.7"));
}

TEST_F(PreflightTest, ExtensionVersionsCompareNumerically) {
  in_.destination.available_extensions = {{"citext", "1.10", false, false}};
  EXPECT_THAT(ExtensionErrors({{"citext", "1.9", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, ExtensionNeedingSuperuser) {
  in_.destination.is_superuser = false;
  in_.destination.available_extensions = {{"postgis", "3.3.2", true, false}};
  EXPECT_THAT(ExtensionErrors({{"postgis", "3.3.2", "public"}}),
              ElementsAre("Installing extension 'postgis' (database 'app') on the destination "
                          "requires superuser"));
}

TEST_F(PreflightTest, SuperuserExtensionIsFineForASuperuser) {
  in_.destination.available_extensions = {{"postgis", "3.3.2", true, false}};
  EXPECT_THAT(ExtensionErrors({{"postgis", "3.3.2", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, TrustedExtensionNeedsNoSuperuser) {
  in_.destination.is_superuser = false;
  in_.destination.available_extensions = {{"pgcrypto", "1.3", true, true}};
  EXPECT_THAT(ExtensionErrors({{"pgcrypto", "1.3", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, ExtensionNotMarkedSuperuserNeedsNoSuperuser) {
  in_.destination.is_superuser = false;
  in_.destination.available_extensions = {{"pg_trgm", "1.6", false, false}};
  EXPECT_THAT(ExtensionErrors({{"pg_trgm", "1.6", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, AllowListedExtensionNeedsNoSuperuser) {
  in_.destination.is_superuser = false;
  in_.destination.extension_allowlist = {"hstore", "postgis"};
  in_.destination.available_extensions = {{"postgis", "3.3.2", true, false}};
  EXPECT_THAT(ExtensionErrors({{"postgis", "3.3.2", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, ExcludedExtensionIsNotChecked) {
  spec_.extensions.exclude = {"aws_s3"};
  EXPECT_THAT(ExtensionErrors({{"aws_s3", "1.1", "public"}}), IsEmpty());
}

TEST_F(PreflightTest, PlpgsqlIsNeverChecked) {
  // Inventory() installs plpgsql on the source; the destination offers no extension at all.
  in_.destination.available_extensions.clear();
  in_.destination.is_superuser = false;
  EXPECT_THAT(ExtensionErrors({}), IsEmpty());
}

TEST_F(PreflightTest, ExtensionChecksAreMadeWhenTheDatabaseWillBeCreated) {
  DatabaseProbe p = Probe("app");
  p.exists_on_destination = false;
  p.destination.reset();
  p.source->extensions.push_back({"pg_partman", "4.7.0", "public"});
  in_.databases = {p};
  EXPECT_THAT(Run().errors,
              ElementsAre("Extension 'pg_partman' (database 'app') is not available for "
                          "installation on the destination"));
}

// ---- method choice ----

TEST_F(PreflightTest, AutoFallsBackToDumpWithTheReason) {
  in_.source.wal_level = "replica";
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  const DatabasePlan& plan = r.databases.at(0);
  EXPECT_EQ(plan.method, api::kMethodDump);
  EXPECT_EQ(plan.reason,
            "logical replication not used: wal_level is 'replica' on the source; "
            "logical replication needs wal_level=logical");
  EXPECT_FALSE(plan.error);
}

TEST_F(PreflightTest, AutoJoinsSeveralReasons) {
  in_.source.wal_level = "minimal";
  DatabaseProbe p = Probe("app");
  p.source->large_objects = 2;
  in_.databases = {p};
  EXPECT_EQ(Run().databases.at(0).reason,
            "logical replication not used: wal_level is 'minimal' on the source; logical "
            "replication needs wal_level=logical; 2 large objects, which logical replication "
            "does not carry");
}

TEST_F(PreflightTest, ReplicationMethodFailsTheDatabaseInsteadOfFallingBack) {
  spec_.method = "replication";
  in_.source.wal_level = "replica";
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.errors, IsEmpty());
  const DatabasePlan& plan = r.databases.at(0);
  EXPECT_EQ(plan.method, api::kMethodReplication);
  EXPECT_EQ(plan.error,
            "logical replication is not possible: wal_level is 'replica' on the "
            "source; logical replication needs wal_level=logical");
  EXPECT_FALSE(plan.reason);
}

TEST_F(PreflightTest, ReplicationMethodReplicatesWhenPossible) {
  spec_.method = "replication";
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.databases.at(0).method, api::kMethodReplication);
  EXPECT_FALSE(r.databases[0].error);
}

TEST_F(PreflightTest, DumpMethodCopiesOnceWithoutAReason) {
  spec_.method = "dump";
  in_.source.wal_level = "replica";
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.databases.at(0).method, api::kMethodDump);
  EXPECT_FALSE(r.databases[0].reason);
}

TEST_F(PreflightTest, SchemaOnlyMethod) {
  spec_.method = "schema_only";
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.databases.at(0).method, api::kMethodSchemaOnly);
  EXPECT_FALSE(r.databases[0].reason);
  ASSERT_EQ(r.databases[0].tables.size(), 1u);
}

TEST_F(PreflightTest, SlotsAreHandedOutToDatabasesInOrder) {
  in_.source.max_replication_slots = 5;
  in_.source.used_replication_slots = 3;  // two free
  in_.databases = {Probe("a"), Probe("b"), Probe("c")};
  PreflightReport r = Run();
  ASSERT_EQ(r.databases.size(), 3u);
  EXPECT_EQ(r.databases[0].method, api::kMethodReplication);
  EXPECT_EQ(r.databases[1].method, api::kMethodReplication);
  EXPECT_EQ(r.databases[2].method, api::kMethodDump);
  EXPECT_EQ(r.databases[2].reason,
            "logical replication not used: no free replication slot on the source "
            "(max_replication_slots=5, 3 in use, one needed per replicated database)");
}

TEST_F(PreflightTest, DatabaseFallingBackUsesNoSlot) {
  in_.source.max_replication_slots = 2;
  in_.source.used_replication_slots = 1;  // one free
  TableInfo keyless = Table("public", "log");
  keyless.has_replica_identity = false;
  in_.databases = {Probe("a", {keyless}), Probe("b")};
  PreflightReport r = Run();
  ASSERT_EQ(r.databases.size(), 2u);
  EXPECT_EQ(r.databases[0].method, api::kMethodDump);
  EXPECT_EQ(r.databases[1].method, api::kMethodReplication);
}

TEST_F(PreflightTest, FailedReplicationDatabaseUsesNoSlot) {
  spec_.method = "replication";
  in_.source.max_replication_slots = 1;
  DatabaseProbe a = Probe("a");
  a.source->large_objects = 1;
  in_.databases = {a, Probe("b")};
  PreflightReport r = Run();
  ASSERT_EQ(r.databases.size(), 2u);
  EXPECT_TRUE(r.databases[0].error);
  EXPECT_FALSE(r.databases[1].error);
}

// ---- warnings ----

TEST_F(PreflightTest, SelectionNotesBecomeWarnings) {
  in_.notes = {"database \"old\" skipped: it allows no connections"};
  in_.databases = {Probe("app")};
  PreflightReport r = Run();
  EXPECT_THAT(r.warnings, ElementsAre("database \"old\" skipped: it allows no connections"));
  EXPECT_TRUE(r.ok());
}

TEST_F(PreflightTest, WarnsWhenNoDatabaseIsSelected) {
  in_.notes = {"database \"gone\" in spec.databases.include is not on the source"};
  PreflightReport r = Run();
  EXPECT_THAT(r.warnings,
              ElementsAre("database \"gone\" in spec.databases.include is not on the source",
                          "no database selected on the source"));
  EXPECT_THAT(r.databases, IsEmpty());
  EXPECT_TRUE(r.ok());
}

TEST_F(PreflightTest, LargeObjectsAreAWarningOfTheDatabase) {
  spec_.method = "dump";
  DatabaseProbe p = Probe("app");
  p.source->large_objects = 3;
  in_.databases = {p};
  PreflightReport r = Run();
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.databases.at(0).warnings,
              ElementsAre("Large objects detected (3): large objects are not compatible with "
                          "logical replication"));
  EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(PreflightReport, OkNeedsNoErrorAndNoFailedDatabase) {
  PreflightReport r;
  EXPECT_TRUE(r.ok());
  r.databases.push_back({});
  EXPECT_TRUE(r.ok());
  r.databases.back().error = "x";
  EXPECT_FALSE(r.ok());
  r.databases.back().error.reset();
  r.errors.push_back("y");
  EXPECT_FALSE(r.ok());
}

// ---- ReplicationBlockers, one rule at a time ----

TEST_F(PreflightTest, NoBlockersOnAHealthyPair) {
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), IsEmpty());
}

TEST_F(PreflightTest, BlockerSourceOlderThan10) {
  in_.source.version_num = 90624;
  in_.source.version = "9.6.24";
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre("source PostgreSQL 9.6.24 is older than 10"));
}

TEST_F(PreflightTest, BlockerWalLevel) {
  in_.source.wal_level = "replica";
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre("wal_level is 'replica' on the source; logical "
                                      "replication needs wal_level=logical"));
}

TEST_F(PreflightTest, BlockerNoFreeSlotDependsOnThePosition) {
  in_.source.max_replication_slots = 4;
  in_.source.used_replication_slots = 2;
  in_.source.max_wal_senders = 100;
  in_.destination.max_logical_replication_workers = 100;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(0), IsEmpty());
  EXPECT_THAT(Blockers(1), IsEmpty());
  EXPECT_THAT(Blockers(2),
              ElementsAre("no free replication slot on the source (max_replication_slots=4, 2 in "
                          "use, one needed per replicated database)"));
}

TEST_F(PreflightTest, BlockerEverySlotInUse) {
  in_.source.max_replication_slots = 4;
  in_.source.used_replication_slots = 4;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(0),
              ElementsAre("no free replication slot on the source (max_replication_slots=4, 4 in "
                          "use, one needed per replicated database)"));
}

TEST_F(PreflightTest, BlockerNoFreeWalSender) {
  in_.source.max_wal_senders = 10;
  in_.source.used_wal_senders = 10;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre("no free WAL sender on the source (max_wal_senders=10, 10 "
                                      "in use)"));
}

TEST_F(PreflightTest, BlockerNoFreeWorkerOnTheDestination) {
  in_.destination.max_logical_replication_workers = 4;
  in_.destination.used_logical_replication_workers = 3;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(0), IsEmpty());
  EXPECT_THAT(Blockers(1), ElementsAre("no free logical replication worker on the destination "
                                       "(max_logical_replication_workers=4)"));
}

TEST_F(PreflightTest, BlockerNoReplicationPrivilege) {
  in_.source.is_superuser = false;
  in_.source.can_replicate = false;
  in_.databases = {Probe("app")};  // owns its tables, may CREATE on the database
  EXPECT_THAT(Blockers(), ElementsAre("source user \"src_admin\" has neither REPLICATION nor "
                                      "superuser, needed for the replication slot (also with "
                                      "aiven_extras)"));
}

TEST_F(PreflightTest, BlockerNoCreateOnTheSourceDatabase) {
  in_.source.is_superuser = false;
  in_.databases = {Probe("app")};
  in_.databases[0].source->can_create = false;
  in_.databases[0].source->tables[0].owned_by_user = false;
  // CREATE is reported first; ownership comes up once it is granted.
  EXPECT_THAT(Blockers(), ElementsAre("source user \"src_admin\" lacks CREATE on the database, "
                                      "needed to create a publication"));
}

TEST_F(PreflightTest, BlockerTablesNotOwnedByANonSuperuser) {
  in_.source.is_superuser = false;
  std::vector<TableInfo> tables;
  tables.push_back(Table("public", "mine"));
  for (int i = 1; i <= 7; ++i) {
    tables.push_back(Table("public", "t" + std::to_string(i)));
    tables.back().owned_by_user = false;
  }
  in_.databases = {Probe("app", tables)};
  EXPECT_THAT(Blockers(), ElementsAre("source user \"src_admin\" is not superuser and does not "
                                      "own public.t1, public.t2, public.t3, public.t4, public.t5 "
                                      "and 2 more, so it cannot publish them (aiven_extras is "
                                      "not installed either)"));
}

TEST_F(PreflightTest, BlockerListsFewNotOwnedTablesInFull) {
  in_.source.is_superuser = false;
  TableInfo a = Table("public", "a"), b = Table("sales", "b");
  a.owned_by_user = b.owned_by_user = false;
  in_.databases = {Probe("app", {a, b})};
  EXPECT_THAT(Blockers(), ElementsAre("source user \"src_admin\" is not superuser and does not "
                                      "own public.a, sales.b, so it cannot publish them "
                                      "(aiven_extras is not installed either)"));
}

TEST_F(PreflightTest, SuperuserNeedsNeitherOwnershipNorCreate) {
  TableInfo t = Table("public", "orders");
  t.owned_by_user = false;
  in_.databases = {Probe("app", {t})};
  in_.databases[0].source->can_create = false;
  EXPECT_THAT(Blockers(), IsEmpty());
}

TEST_F(PreflightTest, AivenExtrasOnTheSourceReplacesPrivileges) {
  in_.source.is_superuser = false;  // REPLICATION stays: the slot needs it
  in_.source.can_replicate = true;
  in_.destination.is_superuser = false;
  in_.destination.can_create_subscription = false;
  TableInfo t = Table("public", "orders");
  t.owned_by_user = false;
  in_.databases = {Probe("app", {t})};
  in_.databases[0].source->can_create = false;
  in_.databases[0].source->has_aiven_extras = true;
  // The schema restore carries aiven_extras over to the destination database.
  EXPECT_THAT(Blockers(), IsEmpty());
  in_.source.can_replicate = false;
  EXPECT_THAT(Blockers(), ElementsAre(::testing::HasSubstr("neither REPLICATION nor superuser")));
}

TEST_F(PreflightTest, BlockerCannotCreateSubscriptionsOnPg15) {
  in_.destination.is_superuser = false;
  in_.destination.can_create_subscription = false;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre("destination user \"dst_admin\" cannot create subscriptions "
                                      "(needs superuser, or aiven_extras)"));
}

TEST_F(PreflightTest, BlockerCannotCreateSubscriptionsOnPg16) {
  in_.destination.version_num = 160004;
  in_.destination.is_superuser = false;
  in_.destination.can_create_subscription = false;
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre("destination user \"dst_admin\" cannot create subscriptions "
                                      "(needs superuser or pg_create_subscription, or "
                                      "aiven_extras)"));
}

TEST_F(PreflightTest, AivenExtrasOnTheDestinationAllowsSubscribing) {
  in_.destination.is_superuser = false;
  in_.destination.can_create_subscription = false;
  in_.databases = {Probe("app")};
  in_.databases[0].destination->has_aiven_extras = true;
  EXPECT_THAT(Blockers(), IsEmpty());
}

TEST_F(PreflightTest, AivenExtrasAllowlistedOnTheDestinationAllowsSubscribing) {
  // Aiven's targets: avnadmin is no superuser, aiven_extras is allowlisted (pgextwlist) and
  // pgferry installs it before subscribing.
  in_.destination.is_superuser = false;
  in_.destination.can_create_subscription = false;
  in_.destination.available_extensions = {{"aiven_extras", "1.1.23", true, false}};
  in_.databases = {Probe("app")};
  EXPECT_THAT(Blockers(), ElementsAre(::testing::HasSubstr("cannot create subscriptions")));
  in_.destination.extension_allowlist = {"aiven_extras"};
  EXPECT_THAT(Blockers(), IsEmpty());
}

TEST_F(PreflightTest, BlockerKeylessTables) {
  TableInfo log = Table("public", "log");
  log.has_replica_identity = false;
  in_.databases = {Probe("app", {Table("public", "orders"), log})};
  EXPECT_THAT(Blockers(), ElementsAre("tables without primary key or replica identity: public.log "
                                      "(UPDATE and DELETE on them would fail on the source once "
                                      "published)"));
}

TEST_F(PreflightTest, BlockerManyKeylessTablesAreShortened) {
  std::vector<TableInfo> tables;
  for (int i = 1; i <= 6; ++i) {
    tables.push_back(Table("public", "l" + std::to_string(i)));
    tables.back().has_replica_identity = false;
  }
  in_.databases = {Probe("app", tables)};
  EXPECT_THAT(Blockers(), ElementsAre("tables without primary key or replica identity: public.l1, "
                                      "public.l2, public.l3, public.l4, public.l5 and 1 more "
                                      "(UPDATE and DELETE on them would fail on the source once "
                                      "published)"));
}

TEST_F(PreflightTest, BlockerKeylessPartitionedTable) {
  // A partitioned table without a primary key: its partitions have none either, and once the
  // root is published UPDATE/DELETE on them fail on the source ("cannot update table "m1"
  // because it does not have a replica identity", checked on PostgreSQL 15). The partitions
  // themselves never reach ReplicationBlockers (SelectTables drops them), so only the root can
  // tell.
  TableInfo root = Table("public", "measurements");
  root.kind = 'p';
  root.has_replica_identity = false;
  in_.databases = {Probe("app", {root})};
  // (ReplicationBlockers once counted only kind 'r' as keyless, and published such a root.)
  EXPECT_THAT(Blockers(), ElementsAre(::testing::HasSubstr("public.measurements")));
}

TEST_F(PreflightTest, UnloggedTablesNeedNoKeyNorOwnershipAndAreWarnedAbout) {
  // Never published (they write no WAL), so neither a replica identity nor ownership matters.
  in_.source.is_superuser = false;
  TableInfo cache = Table("public", "cache");
  cache.unlogged = true;
  cache.has_replica_identity = false;
  cache.owned_by_user = false;
  in_.databases = {Probe("app", {Table("public", "orders"), cache})};
  EXPECT_THAT(Blockers(), IsEmpty());
  PreflightReport r = Run();
  ASSERT_EQ(r.databases.size(), 1u);
  EXPECT_EQ(r.databases[0].method, api::kMethodReplication);
  EXPECT_THAT(r.databases[0].warnings,
              ElementsAre("unlogged tables public.cache write no WAL, so replication cannot carry "
                          "their changes: they are copied at the start and again at cutover"));
  // A one-time copy takes them like any table: nothing to warn about.
  spec_.method = "dump";
  EXPECT_THAT(Run().databases[0].warnings, IsEmpty());
}

TEST_F(PreflightTest, RowSecurityThatAppliesToTheSourceUserFailsEveryCopyingMethod) {
  TableInfo secret = Table("public", "secret");
  secret.row_security_applies = true;
  TableInfo root = Table("public", "Parted");
  root.kind = 'p';  // copied through the root, whose policies then apply
  root.row_security_applies = true;
  in_.databases = {Probe("app", {Table("public", "orders"), secret, root})};
  const std::string why =
      "row-level security applies to source user \"src_admin\" on public.secret, public.Parted: its "
      "copy would hold only the rows the policies show it; grant it BYPASSRLS (ALTER ROLE ... "
      "BYPASSRLS) or migrate as a superuser";
  ExpectFirstDatabaseFails({"auto", "replication", "dump"}, why);
  spec_.method = "schema_only";  // no rows are read
  EXPECT_TRUE(Run().ok());
}

TEST_F(PreflightTest, ATableTheSourceUserMayNotReadFailsTheDatabaseEvenWhenExcluded) {
  // pg_dump locks every table it dumps the definition of, excluded (data-only exclusion) or not.
  TableInfo hidden = Table("public", "hidden");
  hidden.readable = false;
  in_.databases = {Probe("app", {Table("public", "orders"), hidden})};
  spec_.tables.exclude = {"public.hidden"};
  const std::string why =
      "source user \"src_admin\" has no SELECT on public.hidden, which pg_dump needs to lock each "
      "table for its definition (also for excluded tables): GRANT SELECT on them, or the "
      "pg_read_all_data role";
  ExpectFirstDatabaseFails({"auto", "dump", "schema_only"}, why);
}

// A table with rows, `bytes` as pg_table_size reports them.
TableInfo Filled(const std::string& schema, const std::string& name, int64_t bytes = 8192) {
  TableInfo t = Table(schema, name);
  t.bytes = bytes;
  return t;
}

TEST_F(PreflightTest, AForeignKeyToRowsThatTablesExcludeLeavesOutFailsTheDatabaseBeforeTheCopy) {
  in_.databases = {Probe("app", {Filled("public", "customers"), Filled("public", "Orders"),
                                 Filled("public", "notes")})};
  in_.databases[0].source->foreign_keys = {
      {"public", "Orders", "Orders_customer_fkey", "public", "customers"},
      {"public", "notes", "notes_order_fkey", "public", "Orders"}};
  spec_.tables.exclude = {"public.customers"};
  const std::string why =
      "spec.tables leaves out rows that foreign keys need: public.Orders references public.customers "
      "(Orders_customer_fkey) (adding the keys after the copy would fail); leave the referencing "
      "tables out too, or copy the referenced ones";
  ExpectFirstDatabaseFails({"auto", "replication", "dump"}, why);
  spec_.method = "schema_only";  // every table stays empty: the keys hold
  EXPECT_TRUE(Run().ok());
  spec_.method = "auto";
  spec_.tables.exclude = {"public.customers", "public.\"Orders\""};  // notes -> Orders fails then
  EXPECT_THAT(Run().databases[0].error.value_or(""),
              ::testing::HasSubstr("public.notes references public.Orders (notes_order_fkey)"));
  spec_.tables.exclude = {"public.customers", "public.\"Orders\"", "public.notes"};
  EXPECT_TRUE(Run().ok());
  spec_.tables.exclude = {};
  spec_.tables.include = {"public.customers", "public.\"Orders\""};  // the referencing table left out
  EXPECT_TRUE(Run().ok());
}

TEST_F(PreflightTest, AForeignKeyToLeftOutRowsIsFineWhenNoRowsAreInvolvedOrTheDestinationHasThem) {
  in_.databases = {Probe("app", {Filled("public", "customers"), Filled("public", "orders")})};
  in_.databases[0].source->foreign_keys = {{"public", "orders", "orders_customer_fkey", "public", "customers"}};
  spec_.tables.exclude = {"public.customers"};
  EXPECT_FALSE(Run().ok());
  // The destination's own customers, loaded by the user: the key is checked against those.
  in_.databases[0].destination->tables = {Filled("public", "customers")};
  EXPECT_TRUE(Run().ok());
  in_.databases[0].destination->tables = {Filled("public", "customers", 0)};
  EXPECT_FALSE(Run().ok());
  // No rows to leave out, or none that reference anything.
  in_.databases[0].source->tables = {Filled("public", "customers", 0), Filled("public", "orders")};
  EXPECT_TRUE(Run().ok());
  in_.databases[0].source->tables = {Filled("public", "customers"), Filled("public", "orders", 0)};
  EXPECT_TRUE(Run().ok());
}

TEST_F(PreflightTest, AForeignKeyToAPartitionedTableFailsWhenOneOfItsPartitionsIsLeftOut) {
  TableInfo root = Table("public", "events");
  root.kind = 'p';
  auto part = [](const std::string& name, int64_t bytes) {
    TableInfo t = Filled("public", name, bytes);
    t.is_partition = true;
    t.parent_schema = "public";
    t.parent_name = "events";
    return t;
  };
  in_.databases = {Probe("app", {root, part("events_2025", 8192), part("events_2026", 8192),
                                 Filled("public", "alerts")})};
  in_.databases[0].source->foreign_keys = {{"public", "alerts", "alerts_event_fkey", "public", "events"}};
  spec_.tables.exclude = {"public.events_2025"};
  ExpectFirstDatabaseFails({"auto", "dump"},
                           "spec.tables leaves out rows that foreign keys need: public.alerts references "
                           "public.events (alerts_event_fkey) (adding the keys after the copy would "
                           "fail); leave the referencing tables out too, or copy the referenced ones");
  in_.databases[0].source->tables[1].bytes = 0;  // the partition left out is empty
  spec_.method = "auto";
  EXPECT_TRUE(Run().ok());
}

TEST_F(PreflightTest, BlockerLargeObjects) {
  in_.databases = {Probe("app")};
  in_.databases[0].source->large_objects = 12;
  EXPECT_THAT(Blockers(), ElementsAre("12 large objects, which logical replication does not "
                                      "carry"));
}

TEST_F(PreflightTest, BlockersAreListedInRuleOrder) {
  in_.source.version_num = 90624;
  in_.source.version = "9.6.24";
  in_.source.wal_level = "replica";
  in_.source.max_replication_slots = 0;
  in_.source.max_wal_senders = 0;
  in_.destination.max_logical_replication_workers = 0;
  in_.databases = {Probe("app")};
  std::vector<std::string> why = Blockers();
  ASSERT_EQ(why.size(), 5u);
  EXPECT_THAT(why[0], ::testing::StartsWith("source PostgreSQL"));
  EXPECT_THAT(why[1], ::testing::StartsWith("wal_level"));
  EXPECT_THAT(why[2], ::testing::StartsWith("no free replication slot"));
  EXPECT_THAT(why[3], ::testing::StartsWith("no free WAL sender"));
  EXPECT_THAT(why[4], ::testing::StartsWith("no free logical replication worker"));
}

}  // namespace
}  // namespace pgferry
