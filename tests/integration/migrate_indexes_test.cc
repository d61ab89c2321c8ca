// The dump method's index path on real PostgreSQL 15 servers: each ordinary table's indexes,
// primary key and unique constraints are built by the copy workers as soon as its rows land
// (CREATE UNIQUE INDEX + ADD CONSTRAINT ... USING INDEX), everything else comes from the rest of
// post-data, and the destination ends with exactly the source's indexes and constraints, by name
// and definition, hostile names included. A rerun after the copy builds nothing twice.
#include "tests/harness/migration_fixture.h"

namespace pgferry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Index, constraint and trigger definitions per table, for comparing two databases.
Rows SchemaObjects(const PgCluster& c, const std::string& db) {
  const std::string user_ns =
      "(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', '_pgferry') "
      "AND nspname NOT LIKE 'pg_toast%')";
  Rows out = c.Query(db,
      "SELECT 'index ' || x.indrelid::regclass::text || ' ' || quote_ident(i.relname) || ' ' || "
      "pg_get_indexdef(i.oid) || ' primary=' || x.indisprimary || ' unique=' || x.indisunique || "
      "' immediate=' || x.indimmediate || ' clustered=' || x.indisclustered || ' replident=' || x.indisreplident "
      "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
      "WHERE i.relnamespace IN " + user_ns + " ORDER BY 1");
  Rows cons = c.Query(db,
      "SELECT 'constraint ' || conrelid::regclass::text || ' ' || quote_ident(conname) || ' ' || contype::text || ' ' || "
      "pg_get_constraintdef(oid) || ' deferrable=' || condeferrable || ' deferred=' || condeferred || "
      "' index=' || coalesce(conindid::regclass::text, '-') || ' valid=' || convalidated "
      "FROM pg_constraint WHERE connamespace IN " + user_ns + " ORDER BY 1");
  Rows trig = c.Query(db,
      "SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgfoid::regproc::text || ' ' || tgtype || ' ' || "
      "tgdeferrable || tginitdeferred || ' internal=' || tgisinternal FROM pg_trigger t JOIN pg_class r "
      "ON r.oid = t.tgrelid WHERE r.relnamespace IN " + user_ns + " ORDER BY 1");
  out.insert(out.end(), cons.begin(), cons.end());
  out.insert(out.end(), trig.begin(), trig.end());
  return out;
}

class MigrateIndexesTest : public MigrationTest {
 protected:
  void CreateSchema() {
    src_->Exec("postgres", "CREATE DATABASE app");
    src_->Exec("app", R"sql(
      CREATE SCHEMA "Odd.Schema";
      CREATE TABLE "Odd.Schema"."Tab ""q"" é" (
        id int NOT NULL, v text, u int, u2 int, a int, b int,
        CONSTRAINT "PK ""x"" é" PRIMARY KEY (id),
        CONSTRAINT "uq.Def" UNIQUE (u) DEFERRABLE INITIALLY DEFERRED,
        CONSTRAINT u_imm_deferrable UNIQUE (b) DEFERRABLE,
        CONSTRAINT u2_nnd UNIQUE NULLS NOT DISTINCT (u2),
        CONSTRAINT a_incl UNIQUE (a) INCLUDE (v));
      CREATE INDEX "Ix.Lower ""v""" ON "Odd.Schema"."Tab ""q"" é" (lower(v)) WHERE id > 10;
      CREATE INDEX expr_stats ON "Odd.Schema"."Tab ""q"" é" ((u + a));
      ALTER INDEX "Odd.Schema".expr_stats ALTER COLUMN 1 SET STATISTICS 321;
      CREATE UNIQUE INDEX plain_unique ON "Odd.Schema"."Tab ""q"" é" (v, id) WITH (fillfactor = 70);
      INSERT INTO "Odd.Schema"."Tab ""q"" é" SELECT g, 'V' || g, g, g, g, g FROM generate_series(1, 3000) g;

      CREATE TABLE public.booking (id int PRIMARY KEY, during int4range,
                                   EXCLUDE USING gist (during WITH &&));
      INSERT INTO public.booking SELECT g, int4range(g * 10, g * 10 + 5) FROM generate_series(1, 500) g;

      CREATE TABLE public.child (id int PRIMARY KEY,
                                 parent_id int REFERENCES "Odd.Schema"."Tab ""q"" é" (id) DEFERRABLE,
                                 note text);
      CREATE UNIQUE INDEX child_note ON public.child (note);
      ALTER TABLE public.child CLUSTER ON child_pkey;
      ALTER TABLE public.child ALTER COLUMN note SET NOT NULL;
      ALTER TABLE public.child REPLICA IDENTITY USING INDEX child_note;
      INSERT INTO public.child SELECT g, g, 'n' || g FROM generate_series(1, 1000) g;

      CREATE TABLE public.events (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE INDEX events_v ON public.events (v);
      INSERT INTO public.events SELECT g, date '2024-01-01' + g, 'e' || g FROM generate_series(1, 700) g;

      CREATE TABLE public.inh_parent (id int PRIMARY KEY, v text);
      CREATE TABLE public.inh_child (extra int) INHERITS (public.inh_parent);
      CREATE INDEX inh_child_v ON public.inh_child (v);
      INSERT INTO public.inh_child SELECT g, 'c', g FROM generate_series(1, 50) g;

      CREATE TABLE public.nokeys (v text);
      INSERT INTO public.nokeys VALUES ('a'), ('a');

      -- What post-data brings that ANALYZE reads: a statistics object on a table without
      -- indexes, and a materialized view (filled by post-data's REFRESH).
      CREATE TABLE public.stats_t (a int, b int);
      INSERT INTO public.stats_t SELECT g % 10, g % 20 FROM generate_series(1, 2000) g;
      CREATE STATISTICS public."St.ats ""ab""" (ndistinct, dependencies) ON a, b FROM public.stats_t;
      CREATE MATERIALIZED VIEW public.mv_counts AS SELECT a, count(*) AS n FROM public.stats_t GROUP BY a;

      CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
      CREATE TRIGGER touch BEFORE UPDATE ON public.child FOR EACH ROW EXECUTE FUNCTION public.touch();
      COMMENT ON INDEX "Odd.Schema"."Ix.Lower ""v""" IS 'a comment on a worker-built index';
    )sql");
  }

  std::string Manifest() {
    auto o = Options();
    o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n";
    return BuildManifest(o);
  }

  void ExpectSameSchemaObjects() {
    Rows a = SchemaObjects(*src_, "app"), b = SchemaObjects(*dst_, "app");
    EXPECT_EQ(a, b);
    EXPECT_GT(a.size(), 20u);
    EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready"), "0");
  }
};

TEST_F(MigrateIndexesTest, DumpBuildsEveryIndexAndConstraintWithTheSourcesNamesAndDefinitions) {
  StartServers();
  CreateSchema();
  auto status = MigrateJson(Manifest());
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  EXPECT_THAT((*Db(status, "app")).dump(), Not(HasSubstr("already exists")));
  ExpectSameData("app");
  ExpectSameSchemaObjects();
  EXPECT_EQ(dst_->Scalar("app", "SELECT obj_description('\"Odd.Schema\".\"Ix.Lower \"\"v\"\"\"'::regclass, 'pg_class')"),
            "a comment on a worker-built index");

  // The copy workers built the ordinary tables' indexes (recorded by source catalog id) and
  // left the exclusion constraint, the partitioned and inherited tables and the indexes with
  // extra clauses to post-data.
  auto built = [&](const std::string& table) {
    return dst_->Scalar("app", "SELECT coalesce((SELECT value FROM _pgferry.state WHERE key = " +
                                   QuoteLiteral("indexes:" + table) + "), '<none>')");
  };
  std::string odd = built("Odd.Schema.Tab \"q\" é");
  for (const std::string& name : {"PK \"x\" é", "uq.Def", "u_imm_deferrable", "u2_nnd", "a_incl"}) {
    std::string oid = src_->Scalar("app", "SELECT oid FROM pg_constraint WHERE conname = " + QuoteLiteral(name));
    EXPECT_THAT(odd, HasSubstr("2606:" + oid)) << name;
  }
  for (const std::string& name : {"Ix.Lower \"v\"", "plain_unique"}) {
    std::string oid = src_->Scalar("app", "SELECT oid FROM pg_class WHERE relname = " + QuoteLiteral(name));
    EXPECT_THAT(odd, HasSubstr("1259:" + oid)) << name;
  }
  std::string expr_stats = src_->Scalar("app", "SELECT oid FROM pg_class WHERE relname = 'expr_stats'");
  EXPECT_THAT(odd, Not(HasSubstr("1259:" + expr_stats)));  // per-column statistics: post-data
  std::string booking = built("public.booking");
  EXPECT_THAT(booking, HasSubstr("2606:" + src_->Scalar("app", "SELECT oid FROM pg_constraint WHERE conname = 'booking_pkey'")));
  EXPECT_THAT(booking, Not(HasSubstr(src_->Scalar("app", "SELECT oid FROM pg_constraint WHERE contype = 'x'"))));
  EXPECT_EQ(built("public.child"), "");  // clustered primary key, replica identity index: post-data
  EXPECT_EQ(built("public.inh_parent"), "");
  EXPECT_EQ(built("public.events"), "");
  // Every copied table was analyzed.
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN "
                                "('booking', 'child', 'nokeys', 'stats_t', 'Tab \"q\" é') AND last_analyze IS NULL"),
            "0");
  // Once: post-data's exclusion constraint, clustered and replica-identity indexes and the
  // partitioned table's index are on plain columns, which an ANALYZE after them would not see;
  // stats_t twice, its statistics object comes with post-data.
  EXPECT_EQ(dst_->Query("app", "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname IN "
                               "('booking', 'child', 'events_a', 'stats_t') ORDER BY 1"),
            (Rows{{"booking", "1"}, {"child", "1"}, {"events_a", "1"}, {"stats_t", "2"}}));
  // What post-data brought has statistics: the expression index it built, the statistics object
  // (as the source's own ANALYZE gave it), the materialized view it filled.
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_stats WHERE tablename = 'expr_stats'"), "1");
  src_->Exec("app", "ANALYZE public.stats_t");
  const std::string ndistinct =
      "SELECT n_distinct::text FROM pg_stats_ext WHERE statistics_name = 'St.ats \"ab\"'";
  EXPECT_EQ(dst_->Scalar("app", ndistinct), src_->Scalar("app", ndistinct));
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_stats WHERE tablename = 'mv_counts'"), "2");

  // The constraints work: the deferrable unique defers, the primary key refuses a duplicate.
  dst_->Exec("app", "BEGIN; UPDATE \"Odd.Schema\".\"Tab \"\"q\"\" é\" SET u = u + 1; COMMIT");
  EXPECT_THROW(dst_->Exec("app", "INSERT INTO \"Odd.Schema\".\"Tab \"\"q\"\" é\" (id) VALUES (1)"), std::runtime_error);
  EXPECT_THROW(dst_->Exec("app", "INSERT INTO public.booking VALUES (9999, int4range(10, 12))"), std::runtime_error);
}

TEST_F(MigrateIndexesTest, RerunAfterTheCopyBuildsNothingTwice) {
  StartServers();
  CreateSchema();
  auto status = MigrateJson(Manifest());
  ASSERT_EQ((*Db(status, "app"))["status"], "done");
  // As if the run had stopped during the copy: every table copied, one of them (with every kind
  // of worker-built index) between its copy and its index build record, and post-data not begun.
  dst_->Exec("app", "DELETE FROM _pgferry.state WHERE key IN ('done', 'post-data', 'data', "
                    "'indexes:Odd.Schema.Tab \"q\" é')");
  status = MigrateJson(Manifest());
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  ExpectSameData("app");
  ExpectSameSchemaObjects();
  EXPECT_NE(dst_->Scalar("app", "SELECT value FROM _pgferry.state WHERE key = 'indexes:Odd.Schema.Tab \"q\" é'"), "");
  // And once more with everything recorded: nothing to do.
  status = MigrateJson(Manifest());
  EXPECT_EQ((*Db(status, "app"))["status"], "done");
  ExpectSameSchemaObjects();
}

TEST_F(MigrateIndexesTest, SourceAndDestinationTimeoutsDoNotEndALongCopy) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "CREATE TABLE public.big (id int PRIMARY KEY, pad text); "
                    "INSERT INTO public.big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g; "
                    "CREATE TABLE public.small (id int PRIMARY KEY); INSERT INTO public.small VALUES (1)");
  // Far shorter than copying the big table (and building its key), or than the snapshot
  // holder's idle time while the workers copy.
  dst_->Exec("postgres", "CREATE DATABASE app OWNER migrator");
  for (const auto* c : {src_.get(), dst_.get()})
    c->Exec("postgres", "ALTER ROLE migrator IN DATABASE app SET statement_timeout = '100ms'; "
                        "ALTER ROLE migrator IN DATABASE app SET idle_in_transaction_session_timeout = '100ms'");
  auto o = Options(false, false);
  o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n  dump: {jobs: 1}\n";
  src_->Exec("app", "ALTER TABLE public.big OWNER TO migrator; ALTER TABLE public.small OWNER TO migrator");
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  ExpectSameData("app");
}

// Many small tables: a worker takes a run of them into one destination transaction (their
// COPYs, then every index build, one ANALYZE and the state rows, committed together).
TEST_F(MigrateIndexesTest, SmallTablesCommitSeveralToATransactionWithTheirIndexesAndProgress) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  std::string ddl = "CREATE SCHEMA \"Sm.all\";";
  for (int i = 0; i < 70; ++i) {
    std::string t = "\"Sm.all\".\"T" + std::to_string(i) + " \"\"q\"\" é\"";
    ddl += "CREATE TABLE " + t + " (id bigserial PRIMARY KEY, v text UNIQUE, n int);"
           "CREATE INDEX ON " + t + " (n);"
           "INSERT INTO " + t + " (v, n) SELECT 'v' || g, g FROM generate_series(1, " + std::to_string(i % 5) + ") g;";
  }
  // A table without columns (COPY takes no column list for it), with rows all the same.
  ddl += "CREATE TABLE \"Sm.all\".\"No cols\" (); INSERT INTO \"Sm.all\".\"No cols\" DEFAULT VALUES;"
         "INSERT INTO \"Sm.all\".\"No cols\" DEFAULT VALUES;";
  src_->Exec("app", ddl);
  auto status = MigrateJson(Manifest());
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  EXPECT_EQ((*Db(status, "app"))["tablesSynced"], 71);
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM \"Sm.all\".\"No cols\""), "2");
  ExpectSameData("app");
  ExpectSameSchemaObjects();
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'Sm.all' "
                                "AND last_analyze IS NOT NULL"),
            "71");
  // Every table's rows and indexes are recorded, both in the transaction that did the work,
  // and 71 tables took a few transactions (at most 32 tables each), not 142.
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM _pgferry.state t JOIN _pgferry.state i "
                                "ON i.key = 'indexes:' || substr(t.key, 7) AND i.xmin = t.xmin "
                                "WHERE t.key LIKE 'table:Sm.all.%'"),
            "71");
  int transactions = std::stoi(dst_->Scalar("app", "SELECT count(DISTINCT xmin::text) FROM _pgferry.state "
                                                   "WHERE key LIKE 'table:Sm.all.%'"));
  EXPECT_GE(transactions, 3);
  EXPECT_LE(transactions, 8);
  // The constraints work.
  EXPECT_THROW(dst_->Exec("app", "INSERT INTO \"Sm.all\".\"T4 \"\"q\"\" é\" (id, v) VALUES (1, 'new')"),
               std::runtime_error);
  EXPECT_THROW(dst_->Exec("app", "INSERT INTO \"Sm.all\".\"T4 \"\"q\"\" é\" (v) VALUES ('v1')"), std::runtime_error);
}

// A statement of a batch that fails (here an index whose name another relation on the
// destination already has) rolls the batch back; its tables are then copied one at a time, so
// the error names the table and the index, and a rerun once the cause is gone finishes.
TEST_F(MigrateIndexesTest, AnIndexABatchCannotBuildIsReportedWithItsTableAndARerunFinishes) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  std::string ddl;
  for (int i = 0; i < 12; ++i)
    ddl += "CREATE TABLE public.t" + std::to_string(i) + " (id int PRIMARY KEY, v text);"
           "INSERT INTO public.t" + std::to_string(i) + " SELECT g, 'x' FROM generate_series(1, 5) g;";
  src_->Exec("app", ddl);
  dst_->Exec("postgres", "CREATE DATABASE app");
  dst_->Exec("app", "CREATE TABLE public.t4_pkey (x int)");
  auto status = MigrateJson(Manifest(), 1);
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "failed") << status.dump();
  std::string error = (*Db(status, "app"))["error"];
  EXPECT_THAT(error, HasSubstr("indexes of public.t4: index t4_pkey: "));
  EXPECT_THAT(error, HasSubstr("\"t4_pkey\" already exists"));
  // t4's rows committed before its index build failed; its indexes are not recorded.
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM _pgferry.state WHERE key = 'table:public.t4'"), "1");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM _pgferry.state WHERE key = 'indexes:public.t4'"), "0");

  dst_->Exec("app", "DROP TABLE public.t4_pkey");
  status = MigrateJson(Manifest());
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  ExpectSameData("app");
  ExpectSameSchemaObjects();
}

// A destination user that may not create pgferry's state schema: progress is kept in memory
// (with a warning), and the copy, small batches and large tables alike, still completes.
TEST_F(MigrateIndexesTest, WithoutRightsForItsStateSchemaTheCopyCompletesAndSaysSo) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  std::string ddl = "CREATE TABLE public.big (id int PRIMARY KEY, pad text);"
                    "INSERT INTO public.big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 60000) g;";
  for (int i = 0; i < 40; ++i)
    ddl += "CREATE TABLE public.s" + std::to_string(i) + " (id int PRIMARY KEY, u text UNIQUE);"
           "INSERT INTO public.s" + std::to_string(i) + " SELECT g, 'u' || g FROM generate_series(1, 3) g;";
  src_->Exec("app", ddl);
  // The destination database exists, owned by the superuser: the migrating role may create
  // tables in public but not a schema of its own.
  dst_->Exec("postgres", "CREATE DATABASE app");
  dst_->Exec("app", "GRANT CREATE ON SCHEMA public TO migrator");
  auto o = Options(true, false);
  o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n";
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  EXPECT_THAT((*Db(status, "app"))["warnings"].dump(), HasSubstr("progress not recorded on the destination"));
  EXPECT_EQ((*Db(status, "app"))["rowsCopied"], 60000 + 40 * 3);
  ExpectSameData("app");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u') "
                                "AND connamespace = 'public'::regnamespace"), "81");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NULL"), "0");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_namespace WHERE nspname = '_pgferry'"), "0");
}

// More tables than one catalog query reads (500): the workers load the next tables' columns and
// indexes as they reach them, batches crossing that boundary included.
TEST_F(MigrateIndexesTest, ATableCountAcrossSeveralCatalogReadsArrivesWhole) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", "DO $$ BEGIN FOR i IN 1..1050 LOOP "
                    "EXECUTE format('CREATE TABLE public.%I (id int PRIMARY KEY, v text)', 'T.' || i); "
                    "EXECUTE format('INSERT INTO public.%I SELECT g, %L FROM generate_series(1, %s) g', "
                    "'T.' || i, 'v' || i, i % 4); END LOOP; END $$");
  auto status = MigrateJson(Manifest());
  ASSERT_NE(Db(status, "app"), nullptr);
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump();
  EXPECT_EQ((*Db(status, "app"))["tablesSynced"], 1050);
  ExpectSameData("app");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM pg_constraint WHERE contype = 'p' "
                                "AND connamespace = 'public'::regnamespace"),
            "1050");
  EXPECT_EQ(dst_->Scalar("app", "SELECT count(*) FROM _pgferry.state WHERE key LIKE 'indexes:public.T.%' "
                                "AND value LIKE '2606:%'"),
            "1050");
}

}  // namespace
}  // namespace pgferry::testing
