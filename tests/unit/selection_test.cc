// Unit tests for database and table selection (reconcilers/selection.h).
#include "reconcilers/selection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgferry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ServerInventory SourceWith(std::vector<DatabaseEntry> databases) {
  ServerInventory s;
  s.databases = std::move(databases);
  return s;
}

// template0/template1 as PostgreSQL has them, postgres, and the given user databases.
ServerInventory TypicalSource() {
  return SourceWith({{"postgres", true, false},
                     {"template0", false, true},
                     {"template1", true, true},
                     {"app", true, false},
                     {"billing", true, false},
                     {"archive", false, false}});
}

TableInfo Table(const std::string& schema, const std::string& name) {
  TableInfo t;
  t.schema = schema;
  t.name = name;
  return t;
}

std::vector<std::string> Names(const std::vector<TableInfo>& tables) {
  std::vector<std::string> out;
  for (const auto& t : tables) out.push_back(t.Qualified());
  return out;
}

// ---- databases ----

TEST(SelectDatabases, TakesEveryConnectableNonTemplateDatabaseInSourceOrder) {
  api::MigrationSpec spec;
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, ElementsAre("postgres", "app", "billing"));
  // Templates are skipped silently; a database refusing connections is mentioned.
  EXPECT_THAT(sel.notes, ElementsAre("database \"archive\" skipped: it allows no connections"));
}

TEST(SelectDatabases, ExcludeRemovesDatabasesWithoutNotes) {
  api::MigrationSpec spec;
  spec.databases.exclude = {"postgres", "archive"};
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, ElementsAre("app", "billing"));
  EXPECT_THAT(sel.notes, IsEmpty());
}

TEST(SelectDatabases, IncludeKeepsOnlyTheNamedDatabasesInSourceOrder) {
  api::MigrationSpec spec;
  spec.databases.include = {"billing", "app"};
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, ElementsAre("app", "billing"));
  EXPECT_THAT(sel.notes, IsEmpty());
}

TEST(SelectDatabases, IncludeNeverSelectsATemplate) {
  api::MigrationSpec spec;
  spec.databases.include = {"template1", "app"};
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, ElementsAre("app"));
}

TEST(SelectDatabases, IncludeNamingAMissingDatabaseIsNoted) {
  api::MigrationSpec spec;
  spec.databases.include = {"app", "gone"};
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, ElementsAre("app"));
  EXPECT_THAT(sel.notes,
              ElementsAre("database \"gone\" in spec.databases.include is not on the source"));
}

TEST(SelectDatabases, IncludedDatabaseThatAllowsNoConnectionsIsNoted) {
  api::MigrationSpec spec;
  spec.databases.include = {"archive"};
  DatabaseSelection sel = SelectDatabases(spec, TypicalSource());
  EXPECT_THAT(sel.selected, IsEmpty());
  EXPECT_THAT(sel.notes, ElementsAre("database \"archive\" skipped: it allows no connections"));
}

TEST(SelectDatabases, ExcludeWinsOverInclude) {
  api::MigrationSpec spec;
  spec.databases.include = {"app", "billing"};
  spec.databases.exclude = {"billing"};
  EXPECT_THAT(SelectDatabases(spec, TypicalSource()).selected, ElementsAre("app"));
}

TEST(SelectDatabases, NamesAreCaseSensitive) {
  api::MigrationSpec spec;
  spec.databases.include = {"App"};
  DatabaseSelection sel =
      SelectDatabases(spec, SourceWith({{"app", true, false}, {"App", true, false}}));
  EXPECT_THAT(sel.selected, ElementsAre("App"));
}

TEST(SelectDatabases, EmptySourceSelectsNothing) {
  api::MigrationSpec spec;
  DatabaseSelection sel = SelectDatabases(spec, SourceWith({}));
  EXPECT_THAT(sel.selected, IsEmpty());
  EXPECT_THAT(sel.notes, IsEmpty());
}

// ---- tables ----

class SelectTablesTest : public ::testing::Test {
 protected:
  SelectTablesTest() {
    tables_ = {Table("public", "orders"), Table("public", "audit_log"), Table("sales", "orders"),
               Table("My Schema", "Audit Log"), Table("Public", "Orders")};
  }
  std::vector<std::string> Select(const std::string& db = "app") {
    return Names(SelectTables(spec_, db, tables_));
  }

  api::MigrationSpec spec_;
  std::vector<TableInfo> tables_;
};

TEST_F(SelectTablesTest, NoFilterKeepsEveryTableInOrder) {
  EXPECT_THAT(Select(), ElementsAre("public.orders", "public.audit_log", "sales.orders",
                                    "My Schema.Audit Log", "Public.Orders"));
  EXPECT_TRUE(SelectsAllTables(spec_));
}

TEST_F(SelectTablesTest, BareTableNameMatchesInEverySchema) {
  spec_.tables.include = {"orders"};
  EXPECT_THAT(Select(), ElementsAre("public.orders", "sales.orders"));
  EXPECT_FALSE(SelectsAllTables(spec_));
}

TEST_F(SelectTablesTest, UnquotedNamesAreFoldedToLowerCase) {
  spec_.tables.include = {"Public.Orders"};
  EXPECT_THAT(Select(), ElementsAre("public.orders"));
}

TEST_F(SelectTablesTest, QuotedNamesKeepCaseAndSpaces) {
  spec_.tables.include = {"\"My Schema\".\"Audit Log\"", "\"Public\".\"Orders\""};
  EXPECT_THAT(Select(), ElementsAre("My Schema.Audit Log", "Public.Orders"));
}

TEST_F(SelectTablesTest, ExcludeRemovesMatchingTables) {
  spec_.tables.exclude = {"public.audit_log", "sales.orders"};
  EXPECT_THAT(Select(), ElementsAre("public.orders", "My Schema.Audit Log", "Public.Orders"));
  EXPECT_FALSE(SelectsAllTables(spec_));
}

TEST_F(SelectTablesTest, DatabaseQualifiedExcludeAppliesOnlyToThatDatabase) {
  spec_.tables.exclude = {"app.public.audit_log"};
  EXPECT_THAT(Select("app"),
              ElementsAre("public.orders", "sales.orders", "My Schema.Audit Log", "Public.Orders"));
  EXPECT_THAT(Select("billing"), ElementsAre("public.orders", "public.audit_log", "sales.orders",
                                             "My Schema.Audit Log", "Public.Orders"));
}

TEST_F(SelectTablesTest, DatabaseQualifiedIncludeAppliesOnlyToThatDatabase) {
  spec_.tables.include = {"billing.sales.orders", "public.orders"};
  EXPECT_THAT(Select("app"), ElementsAre("public.orders"));
  EXPECT_THAT(Select("billing"), ElementsAre("public.orders", "sales.orders"));
}

TEST_F(SelectTablesTest, QuotedDatabaseName) {
  spec_.tables.exclude = {"\"App DB\".public.orders"};
  EXPECT_THAT(Select("App DB"), ElementsAre("public.audit_log", "sales.orders",
                                            "My Schema.Audit Log", "Public.Orders"));
  EXPECT_THAT(Select("app db"), ::testing::Contains("public.orders"));
}

TEST_F(SelectTablesTest, IncludeNamingNoTableSelectsNothing) {
  spec_.tables.include = {"public.nowhere"};
  EXPECT_THAT(Select(), IsEmpty());
}

TableInfo Partition(const std::string& name, const std::string& parent) {
  TableInfo t = Table("public", name);
  t.is_partition = true;
  t.parent_schema = "public";
  t.parent_name = parent;
  return t;
}

TEST(SelectTables, PartitionsAreCarriedByTheirRoot) {
  api::MigrationSpec spec;
  TableInfo root = Table("public", "events");
  root.kind = 'p';
  TableInfo p1 = Partition("events_2024", "events"), p2 = Partition("events_2025", "events");
  std::vector<TableInfo> tables = {root, p1, p2, Table("public", "users")};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)),
              ElementsAre("public.events", "public.users"));
  spec.tables.include = {"public.events"};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)), ElementsAre("public.events"));
  // Excluding the root excludes its partitions.
  spec.tables.include = {};
  spec.tables.exclude = {"public.events"};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)), ElementsAre("public.users"));
}

TEST(SelectTables, PartitionIncludedWithoutItsRootIsKept) {
  // A user who includes one partition and not its root expects that partition to be copied.
  api::MigrationSpec spec;
  spec.tables.include = {"public.events_2024"};
  TableInfo root = Table("public", "events");
  root.kind = 'p';
  TableInfo part = Partition("events_2024", "events");
  TableInfo other = Partition("events_2025", "events");
  EXPECT_THAT(Names(SelectTables(spec, "app", {root, part, other})),
              ElementsAre("public.events_2024"));
}

TEST(SelectTables, ExcludingOnePartitionCopiesTheOthersOnTheirOwn) {
  api::MigrationSpec spec;
  spec.tables.exclude = {"public.events_2024"};
  TableInfo root = Table("public", "events");
  root.kind = 'p';
  // events_2025 is itself partitioned by month.
  TableInfo p2024 = Partition("events_2024", "events"), p2025 = Partition("events_2025", "events");
  p2025.kind = 'p';
  TableInfo jan = Partition("events_2025_01", "events_2025"), feb = Partition("events_2025_02", "events_2025");
  std::vector<TableInfo> tables = {root, p2024, p2025, jan, feb, Table("public", "users")};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)),
              ElementsAre("public.events_2025", "public.users"));
  spec.tables.exclude = {"public.events_2025_02"};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)),
              ElementsAre("public.events_2024", "public.events_2025_01", "public.users"));
  // Including a mid-level partitioned table brings its partitions through it.
  spec.tables.exclude = {};
  spec.tables.include = {"public.events_2025"};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)), ElementsAre("public.events_2025"));
}

TEST(SelectTables, ExtensionTablesFollowReplicateExtensionTables) {
  api::MigrationSpec spec;
  TableInfo config = Table("public", "spatial_ref_sys");
  config.extension = "postgis";
  std::vector<TableInfo> tables = {Table("public", "orders"), config};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)),
              ElementsAre("public.orders", "public.spatial_ref_sys"));
  EXPECT_TRUE(SelectsAllTables(spec));

  spec.replicateExtensionTables = false;
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)), ElementsAre("public.orders"));
  EXPECT_FALSE(SelectsAllTables(spec));

  // Even an explicit include does not bring it back.
  spec.tables.include = {"spatial_ref_sys", "orders"};
  EXPECT_THAT(Names(SelectTables(spec, "app", tables)), ElementsAre("public.orders"));
}

TEST(SelectTables, KeepsEveryFieldOfTheTable) {
  api::MigrationSpec spec;
  TableInfo t = Table("public", "orders");
  t.bytes = 8192;
  t.estimated_rows = 42;
  t.owned_by_user = true;
  t.has_replica_identity = false;
  auto out = SelectTables(spec, "app", {t});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, 8192);
  EXPECT_EQ(out[0].estimated_rows, 42);
  EXPECT_TRUE(out[0].owned_by_user);
  EXPECT_FALSE(out[0].has_replica_identity);
}

}  // namespace
}  // namespace pgferry
