// index_build.h against a real PostgreSQL 15 server: bulk-load settings on a session, and a
// table's index build run twice (the second finds everything built and changes nothing).
#include "reconcilers/index_build.h"

#include <gtest/gtest.h>

#include "operator/pg/libpq_session.h"
#include "reconcilers/table_catalog.h"
#include "tests/harness/pg_cluster.h"

namespace pgferry {
namespace {

using pgferry::testing::PgCluster;

class IndexBuildSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = PgCluster::Start().release(); }
  static void TearDownTestSuite() { delete server_; }

  std::unique_ptr<pg::Session> Connect(const std::string& db) {
    pg::ConnParams p;
    p.host = "127.0.0.1";
    p.port = server_->port();
    p.user = PgCluster::kSuperuser;
    p.password = PgCluster::kSuperPassword;
    p.dbname = db;
    auto s = pg::LibpqConnector().Connect(p);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static PgCluster* server_;
};
PgCluster* IndexBuildSessionTest::server_ = nullptr;

TEST_F(IndexBuildSessionTest, BulkLoadSettingsRaiseButNeverLowerMaintenanceWorkMem) {
  auto s = Connect("postgres");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Exec("SET statement_timeout = '5s'; SET lock_timeout = '1s'").ok());
  EXPECT_TRUE(ApplyBulkLoadSettings(*s, 1).empty());
  auto r = s->Query("SELECT current_setting('synchronous_commit'), current_setting('maintenance_work_mem'), "
                    "current_setting('statement_timeout'), current_setting('lock_timeout'), "
                    "current_setting('idle_in_transaction_session_timeout'), "
                    "current_setting('max_parallel_maintenance_workers')");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get(0, 0), "off");
  EXPECT_EQ(r->Get(0, 1), "512MB");
  EXPECT_EQ(r->Get(0, 2), "0");
  EXPECT_EQ(r->Get(0, 3), "0");
  EXPECT_EQ(r->Get(0, 4), "0");
  EXPECT_EQ(r->Get(0, 5), "1");

  auto big = Connect("postgres");
  ASSERT_TRUE(big);
  ASSERT_TRUE(big->Exec("SET maintenance_work_mem = '2GB'").ok());
  EXPECT_TRUE(ApplyBulkLoadSettings(*big, 2).empty());
  auto m = big->Query("SELECT current_setting('maintenance_work_mem')");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->Get(0, 0), "2GB");
}

// What a copy worker does for one table: its indexes on the source, its names on the
// destination, then the build.
Result<TableIndexResult> ReadAndBuild(pg::Session& src, pg::Session& dst, const TableInfo& t) {
  ASSIGN_OR_RETURN(auto plans, ReadCopyPlans(src, {&t}));
  ASSIGN_OR_RETURN(auto existing, ReadExistingIndexes(dst, {&t}));
  return BuildTableIndexes(dst, t, plans[0].indexes, existing[0], "");
}

TEST_F(IndexBuildSessionTest, ASecondBuildFindsEverythingBuiltAndChangesNothing) {
  server_->Exec("postgres", "CREATE DATABASE ib_src");
  server_->Exec("postgres", "CREATE DATABASE ib_dst");
  const std::string table = "CREATE TABLE public.\"T\"\"1\" (id int NOT NULL, u int, v text";
  server_->Exec("ib_src", table + ", CONSTRAINT \"T pk\" PRIMARY KEY (id), CONSTRAINT u_d UNIQUE (u) DEFERRABLE); "
                          "CREATE INDEX \"v.idx\" ON public.\"T\"\"1\" (v) WHERE v <> ''; "
                          "INSERT INTO public.\"T\"\"1\" SELECT g, g, 'v' || g FROM generate_series(1, 1000) g");
  server_->Exec("ib_dst", table + "); INSERT INTO public.\"T\"\"1\" SELECT g, g, 'v' || g FROM generate_series(1, 1000) g");
  auto src = Connect("ib_src");
  auto dst = Connect("ib_dst");
  ASSERT_TRUE(src && dst);
  TableInfo t;
  t.schema = "public";
  t.name = "T\"1";
  auto first = ReadAndBuild(*src, *dst, t);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->all_built);
  auto ids = BuiltCatalogIds({first->state_value});
  EXPECT_EQ(ids.size(), 3u);
  const std::string defs =
      "SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text) || ' / ' || "
      "(SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) FROM pg_constraint "
      "WHERE conrelid = 'public.\"T\"\"1\"'::regclass) FROM pg_index WHERE indrelid = 'public.\"T\"\"1\"'::regclass";
  EXPECT_EQ(server_->Scalar("ib_dst", defs), server_->Scalar("ib_src", defs));
  EXPECT_EQ(server_->Scalar("ib_dst", "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"), "t");

  auto second = ReadAndBuild(*src, *dst, t);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->state_value, first->state_value);
  EXPECT_EQ(server_->Scalar("ib_dst", defs), server_->Scalar("ib_src", defs));

  // What the destination has already is what post-data leaves out.
  auto present = PresentOnDestination(*src, *dst);
  ASSERT_TRUE(present.ok()) << present.status().ToString();
  EXPECT_EQ(*present, ids);
}

// ReadCopyPlans / ReadExistingIndexes: one query each for many tables, answers in the order
// asked, hostile names resolved exactly (no case folding, no dot splitting), a name that does
// not resolve left empty.
TEST_F(IndexBuildSessionTest, CatalogFactsOfManyTablesComeBackInTheOrderAsked) {
  server_->Exec("postgres", "CREATE DATABASE cat_src");
  server_->Exec("cat_src", R"sql(
    CREATE SCHEMA "S.x";
    CREATE TYPE public.mood AS (a int, b text);
    CREATE TABLE "S.x"."Tab ""q"" é" (id int PRIMARY KEY, "Col.1" text, g int GENERATED ALWAYS AS (id * 2) STORED);
    CREATE TABLE "S.x".tab (id int, m public.mood);
    ALTER TABLE "S.x".tab DROP COLUMN id;
    CREATE UNIQUE INDEX tab_m ON "S.x".tab (((m).a));
    CREATE TABLE public."back\slash" ();
  )sql");
  auto src = Connect("cat_src");
  ASSERT_TRUE(src);
  std::vector<TableInfo> tables(5);
  tables[0].schema = "S.x", tables[0].name = "tab";
  tables[1].schema = "S.x", tables[1].name = "Tab \"q\" é";
  tables[2].schema = "public", tables[2].name = "back\\slash";
  tables[3].schema = "S.x", tables[3].name = "TAB";  // not there: names are exact
  tables[4].schema = "S", tables[4].name = "x.tab";
  std::vector<const TableInfo*> ptrs;
  for (const auto& t : tables) ptrs.push_back(&t);
  auto plans = ReadCopyPlans(*src, ptrs);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  ASSERT_EQ(plans->size(), 5u);
  EXPECT_EQ((*plans)[0].columns, (std::vector<std::string>{"m"}));
  EXPECT_FALSE((*plans)[0].binary);  // a composite of a user type goes as text
  ASSERT_EQ((*plans)[0].indexes.size(), 1u);
  EXPECT_EQ((*plans)[0].indexes.Get(0, 1), "tab_m");
  EXPECT_EQ((*plans)[1].columns, (std::vector<std::string>{"id", "Col.1"}));  // not the generated one
  EXPECT_TRUE((*plans)[1].binary);
  ASSERT_EQ((*plans)[1].indexes.size(), 1u);
  EXPECT_EQ((*plans)[1].indexes.Get(0, 5), "Tab \"q\" é_pkey");
  EXPECT_TRUE((*plans)[2].columns.empty());
  EXPECT_TRUE((*plans)[2].indexes.empty());
  for (size_t i : {3u, 4u}) {
    EXPECT_TRUE((*plans)[i].columns.empty()) << i;
    EXPECT_TRUE((*plans)[i].indexes.empty()) << i;
  }
  auto names = ReadExistingIndexes(*src, ptrs);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ((*names)[0].indexes, (std::set<std::string>{"tab_m"}));
  EXPECT_TRUE((*names)[0].constraints.empty());
  EXPECT_EQ((*names)[1].indexes, (std::set<std::string>{"Tab \"q\" é_pkey"}));
  EXPECT_EQ((*names)[1].constraints, (std::set<std::string>{"Tab \"q\" é_pkey"}));
  EXPECT_TRUE((*names)[2].indexes.empty());
  for (size_t i : {3u, 4u}) {
    EXPECT_TRUE((*names)[i].indexes.empty()) << i;
    EXPECT_TRUE((*names)[i].constraints.empty()) << i;
  }
}

}  // namespace
}  // namespace pgferry
