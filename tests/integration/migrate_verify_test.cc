// spec.verify: every table compared on both servers before a database is called done. After a
// one-time copy (under the copy's snapshot) a difference fails the database and a rerun compares
// again; before a cutover a difference holds the cutover back with replication still running.
#include "tests/harness/migration_fixture.h"

namespace pgferry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class VerifyTest : public MigrationTest {
 protected:
  // Sets `settings` (name, value) on a server for every new session, as an administrator would.
  static void SetForEverySession(const PgCluster& c, const std::vector<std::pair<std::string, std::string>>& settings) {
    for (const auto& [name, value] : settings) c.Exec("postgres", "ALTER SYSTEM SET " + name + " = '" + value + "'");
    c.Exec("postgres", "SELECT pg_reload_conf()");
  }
  // In the destination's `db` (created beforehand): each table pgferry creates in schema public
  // gets a BEFORE INSERT trigger (enabled ALWAYS, so also under session_replication_role =
  // replica) running `body`, PL/pgSQL that may change NEW or RETURN NULL to drop the row.
  void TamperWithRowsArrivingAt(const std::string& db, const std::string& body) {
    dst_->Exec(db, "CREATE FUNCTION public.tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + body +
                       " RETURN NEW; END $$;" + R"sql(
      CREATE FUNCTION public.add_tamper() RETURNS event_trigger LANGUAGE plpgsql AS $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE'
                    AND schema_name = 'public' LOOP
          EXECUTE format('CREATE TRIGGER tamper BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION public.tamper()',
                         r.object_identity);
          EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER tamper', r.object_identity);
        END LOOP;
      END $$;
      CREATE EVENT TRIGGER add_tamper ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
        EXECUTE FUNCTION public.add_tamper();)sql");
  }
  // Undoes TamperWithRowsArrivingAt for what it did to `tables`.
  void StopTampering(const std::string& db, const std::vector<std::string>& tables) {
    std::string sql = "DROP EVENT TRIGGER add_tamper;";
    for (const auto& t : tables) sql += "DROP TRIGGER tamper ON " + t + ";";
    dst_->Exec(db, sql);
  }
  // A one-time copy of database "app" (no roles) with spec.verify `mode`.
  ManifestOptions CopyAppVerifying(const std::string& mode) {
    auto o = Options();
    o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n  verify: " + mode + "\n";
    return o;
  }
  static const nlohmann::json& Verification(const nlohmann::json& status, const std::string& db) {
    static const nlohmann::json none;
    nlohmann::json* d = Db(status, db);
    return d != nullptr && d->contains("verification") ? (*d)["verification"] : none;
  }
};

// Checksums built from each row's text form match although the two servers print dates, times,
// intervals, floats and bytea differently (their own settings are not the comparison's), over
// hostile names, generated columns, partitions, an empty table, a table large enough to be
// compared alone and more small tables than go in one query.
TEST_F(VerifyTest, ChecksumsMatchAfterACopyBetweenServersThatPrintValuesDifferently) {
  StartServers();
  SetForEverySession(*src_, {{"TimeZone", "America/New_York"},
                             {"DateStyle", "SQL, DMY"},
                             {"IntervalStyle", "sql_standard"},
                             {"extra_float_digits", "0"},
                             {"bytea_output", "escape"}});
  SetForEverySession(*dst_, {{"TimeZone", "Asia/Tokyo"}, {"DateStyle", "German"}, {"IntervalStyle", "iso_8601"}});
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", R"sql(
    CREATE SCHEMA "Ünï Cödé.s";
    CREATE TABLE "Ünï Cödé.s"."Mixed 'Case'" (
      id int PRIMARY KEY, ts timestamptz, d date, iv interval, f float8, r real, n numeric, b bytea,
      j jsonb, arr text[], u uuid, m money, g int GENERATED ALWAYS AS (id * 2) STORED, "x" text);
    INSERT INTO "Ünï Cödé.s"."Mixed 'Case'" (id, ts, d, iv, f, r, n, b, j, arr, u, m, x)
      SELECT i, '2026-03-29 01:30:00+00'::timestamptz + i * interval '37 minutes', date '2024-02-29' + i,
             make_interval(days => i, secs => i / 3.0), 1.0 / i, i / 7.0, i / 3.0, decode(md5(i::text), 'hex'),
             jsonb_build_object('k', i, 'ü', ARRAY[i, -i]), ARRAY['a"b', NULL, 'c,' || i],
             md5(i::text)::uuid, i * 1.25, CASE WHEN i % 10 = 0 THEN NULL ELSE 'Zeile ' || i END
        FROM generate_series(1, 1000) i;
    CREATE TABLE public.big (id bigint PRIMARY KEY, pad text);
    INSERT INTO public.big SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 60000) i;
    CREATE TABLE public.p (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE public.p2025 PARTITION OF public.p FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    CREATE TABLE public.p2026 PARTITION OF public.p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    INSERT INTO public.p SELECT i, date '2025-01-01' + i FROM generate_series(0, 700) i;
    CREATE TABLE public.empty (id int);
    DO $$ BEGIN FOR i IN 1..60 LOOP
      EXECUTE format('CREATE TABLE public.s%s (id int PRIMARY KEY, v text)', i);
      EXECUTE format('INSERT INTO public.s%s SELECT g, %L || g FROM generate_series(1, %s) g', i, 'v', i);
    END LOOP; END $$;)sql");
  const int64_t rows = 1000 + 60000 + 701 + 60 * 61 / 2;
  auto o = Options();
  o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  verify: checksums\n";
  CommandResult run = Run("migrate", BuildManifest(o), {"-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Verified: database \"app\": row counts and checksums (hashtextextended) match"));
  auto status = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_NE(Db(status, "app"), nullptr) << run.output;
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump(2);
  const auto& v = Verification(status, "app");
  EXPECT_EQ(v["mode"], "checksums") << status.dump(2);
  EXPECT_EQ(v["result"], "passed") << status.dump(2);
  EXPECT_EQ(v["tables"], 1 + 1 + 1 + 1 + 60) << "a partitioned table counts once, as the copy reads it";
  EXPECT_EQ(v["rows"], rows);
  EXPECT_FALSE(v.contains("mismatches"));
  // The harness's own comparison prints rows with each server's settings: back to the defaults.
  for (const PgCluster* c : {src_.get(), dst_.get()}) {
    for (const char* name : {"TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output"})
      c->Exec("postgres", std::string("ALTER SYSTEM RESET ") + name);
    c->Exec("postgres", "SELECT pg_reload_conf()");
  }
  ASSERT_TRUE(WaitUntil([&] { return dst_->Scalar("app", "SHOW TimeZone") == src_->Scalar("app", "SHOW TimeZone"); }));
  ExpectSameData("app");
}

// A LATIN1 source into a UTF8 destination: the servers hash the same text differently (other
// bytes), so the checksums are md5 of each row's UTF-8 text, which match; a value changed on the
// destination still shows.
TEST_F(VerifyTest, ChecksumsBetweenDatabasesOfDifferentEncodingsCompareTheUtf8Text) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  src_->Exec("app", "CREATE TABLE public.\"Namen\" (id int PRIMARY KEY, name text);"
                    // chr() gives the character in the database's encoding: one byte each here.
                    "INSERT INTO public.\"Namen\" SELECT g, 'M' || chr(252) || 'ller-' || g || ' ' || chr(224) || ' ' || "
                    "chr(223) FROM generate_series(1, 300) g");
  dst_->Exec("postgres", "CREATE DATABASE app ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  ASSERT_EQ(src_->Scalar("app", "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'app'"), "LATIN1");
  ASSERT_EQ(dst_->Scalar("app", "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'app'"), "UTF8");
  TamperWithRowsArrivingAt("app", "IF NEW.id = 7 THEN NEW.name := 'Muller-7 \u00e0 \u00df'; END IF;");
  auto o = CopyAppVerifying("checksums");
  CommandResult run = Run("migrate", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output,
              HasSubstr("differs: public.Namen: 300 rows on both servers, but their contents differ (checksums)"));

  // Mended: the same rows in two encodings match.
  StopTampering("app", {"public.\"Namen\""});
  dst_->Exec("app", "UPDATE public.\"Namen\" SET name = 'M\u00fcller-7 \u00e0 \u00df' WHERE id = 7");
  run = Run("migrate", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 0) << run.output << run.err;
  EXPECT_THAT(run.err, HasSubstr("Verified: database \"app\": row counts and checksums (md5) match on both servers "
                                 "(1 tables, 300 rows)"));
  EXPECT_EQ(dst_->Scalar("app", "SELECT name FROM public.\"Namen\" WHERE id = 8"), "M\u00fcller-8 \u00e0 \u00df");
  // One byte a character on the source, two for the three non-ASCII ones here: converted, not
  // passed on as the source's bytes.
  EXPECT_EQ(src_->Scalar("app", "SELECT octet_length(name) || '/' || char_length(name) FROM public.\"Namen\" WHERE id = 8"),
            "12/12");
  EXPECT_EQ(dst_->Scalar("app", "SELECT octet_length(name) || '/' || char_length(name) FROM public.\"Namen\" WHERE id = 8"),
            "15/12");
}

// A destination that does not hold what the source did: a trigger there (made by an event
// trigger as pgferry creates the tables) drops one row of one table and changes a value of
// another. Checksums name both, counts only the one whose row count differs; the database fails
// and is not done, and once the destination is mended a rerun compares again and finishes.
TEST_F(VerifyTest, ACopyThatDiffersIsNamedTableByTableAndARerunComparesAgain) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", R"sql(
    CREATE TABLE public.t (id int PRIMARY KEY, v text);
    CREATE TABLE public."Other T" (id int PRIMARY KEY, v text);
    CREATE TABLE public.fine (id int PRIMARY KEY, v text);
    INSERT INTO public.t SELECT g, 'row ' || g FROM generate_series(1, 10) g;
    INSERT INTO public."Other T" SELECT g, 'row ' || g FROM generate_series(1, 10) g;
    INSERT INTO public.fine SELECT g, 'row ' || g FROM generate_series(1, 5) g;)sql");
  dst_->Exec("postgres", "CREATE DATABASE app");
  TamperWithRowsArrivingAt("app", "IF TG_TABLE_NAME = 't' AND NEW.id = 7 THEN RETURN NULL; END IF; "
                                  "IF TG_TABLE_NAME = 'Other T' AND NEW.id = 3 THEN NEW.v := 'tampered'; END IF;");
  auto o = CopyAppVerifying("checksums");
  CommandResult run = Run("migrate", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("verification: database \"app\": checksums failed (3 tables, 25 rows on the source)"));
  EXPECT_THAT(run.output, HasSubstr("  differs: public.t: 10 rows on the source, 9 on the destination"));
  EXPECT_THAT(run.output,
              HasSubstr("  differs: public.Other T: 10 rows on both servers, but their contents differ (checksums)"));
  EXPECT_THAT(run.output, Not(HasSubstr("differs: public.fine")));
  EXPECT_THAT(run.err, HasSubstr("warning VerificationFailed: database \"app\": 2 of 3 tables differ: "));

  auto status = MigrateJson(BuildManifest(o), 1);
  EXPECT_EQ((*Db(status, "app"))["status"], "failed");
  EXPECT_THAT((*Db(status, "app"))["error"].get<std::string>(), HasSubstr("verification: 2 of 3 tables differ: "));
  EXPECT_EQ(Verification(status, "app")["result"], "failed");
  EXPECT_EQ(Verification(status, "app")["mismatches"].size(), 2u);
  EXPECT_EQ(Verification(status, "app")["differing"], 2);

  // Counts see the lost row, not the changed value.
  o = CopyAppVerifying("counts");
  status = MigrateJson(BuildManifest(o), 1);
  EXPECT_EQ((*Db(status, "app"))["error"],
            "verification: 1 of 3 tables differ in row count: public.t: 10 rows on the source, 9 on the destination");
  EXPECT_EQ(Verification(status, "app")["mode"], "counts");

  // Mended on the destination: the next run compares again, and the database is done.
  StopTampering("app", {"public.t", "public.\"Other T\"", "public.fine"});
  dst_->Exec("app", "INSERT INTO public.t VALUES (7, 'row 7'); UPDATE public.\"Other T\" SET v = 'row 3' WHERE id = 3");
  o = CopyAppVerifying("checksums");
  status = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(status, "app"))["status"], "done") << status.dump(2);
  EXPECT_EQ(Verification(status, "app")["result"], "passed");
  ExpectSameData("app");
}

// More differences than the status keeps: the first 20 are named there, `differing` counts them
// all, and migrate's output says how many more there are.
TEST_F(VerifyTest, TheStatusNamesTheFirstTwentyDifferencesAndCountsThemAll) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE app");
  src_->Exec("app", R"sql(
    DO $$ BEGIN FOR i IN 1..25 LOOP
      EXECUTE format('CREATE TABLE public.t%s (id int PRIMARY KEY)', i);
      EXECUTE format('INSERT INTO public.t%s SELECT generate_series(1, 3)', i);
    END LOOP; END $$;)sql");
  dst_->Exec("postgres", "CREATE DATABASE app");
  TamperWithRowsArrivingAt("app", "IF NEW.id = 2 THEN RETURN NULL; END IF;");
  auto o = CopyAppVerifying("counts");
  CommandResult run = Run("migrate", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("  ... and 5 more (pgferry verify lists them all)\n"));
  EXPECT_THAT(run.err, HasSubstr("; ... (the first 20 in status.databases[].verification, all with pgferry verify)"));
  auto status = MigrateJson(BuildManifest(o), 1);
  const auto& v = Verification(status, "app");
  EXPECT_EQ(v["differing"], 25) << status.dump(2);
  ASSERT_EQ(v["mismatches"].size(), 20u) << status.dump(2);
  EXPECT_THAT(v["mismatches"][0].get<std::string>(), ::testing::EndsWith(": 3 rows on the source, 2 on the destination"));
}

// Replication: nothing is compared while it runs; the cutover compares first (once the
// subscription has applied the source's changes up to the comparison's snapshot), and a table
// changed on the destination holds it back, replication still running, until it matches.
TEST_F(VerifyTest, ACutoverComparesFirstAndWaitsWhileATableDiffers) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE shop");
  src_->Exec("shop", R"sql(
    CREATE TABLE public.customers (id bigserial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE public.orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES public.customers,
                                total numeric(10,2), note text);
    INSERT INTO public.customers (name) SELECT 'c' || g FROM generate_series(1, 500) g;
    INSERT INTO public.orders (customer_id, total, note)
      SELECT 1 + g % 500, g / 7.0, md5(g::text) FROM generate_series(1, 5000) g;)sql");
  auto o = Options();
  o.extra_spec = "  databases: {include: [shop]}\n  verify: checksums\n";
  auto status = MigrateJson(BuildManifest(o));
  EXPECT_EQ((*Db(status, "shop"))["status"], "syncing") << status.dump(2);
  EXPECT_FALSE((*Db(status, "shop")).contains("verification")) << "nothing compared before the cutover";

  src_->Exec("shop", "INSERT INTO public.orders (customer_id, note) SELECT 1, 'late' FROM generate_series(1, 100)");
  dst_->Exec("shop", "UPDATE public.orders SET note = 'edited on the destination' WHERE id = 42");
  auto cutover = o;
  cutover.extra_spec += "  replication: {cutover: true}\n";
  status = MigrateJson(BuildManifest(cutover));
  EXPECT_EQ((*Db(status, "shop"))["status"], "syncing") << status.dump(2);
  EXPECT_EQ((*Db(status, "shop"))["error"],
            "not cut over: verification: 1 of 2 tables differ: public.orders: 5100 rows on both servers, but their "
            "contents differ (checksums) (a write on the source during the comparison makes its table differ: stop "
            "the writes; the next run compares again)");
  EXPECT_EQ(Verification(status, "shop")["result"], "failed");
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 3) << "replication still runs";

  // Mended; the source's last writes just before the cutover are applied before it compares.
  dst_->Exec("shop", "UPDATE public.orders SET note = md5('42') WHERE id = 42");
  src_->Exec("shop", "INSERT INTO public.customers (name) VALUES ('last'); UPDATE public.orders SET note = 'x' WHERE id = 1");
  status = MigrateJson(BuildManifest(cutover));
  EXPECT_EQ((*Db(status, "shop"))["status"], "done") << status.dump(2);
  EXPECT_TRUE((*Db(status, "shop"))["error"].is_null()) << status.dump(2);
  EXPECT_EQ(Verification(status, "shop")["result"], "passed");
  EXPECT_EQ(Verification(status, "shop")["rows"], 501 + 5100);
  EXPECT_EQ(LeftoverReplicationObjects({"shop"}), 0);
  ExpectSameData("shop");
}

}  // namespace
}  // namespace pgferry::testing

namespace pgferry::testing {
namespace {

// `pgferry verify`: the same comparison on demand, read-only, for what the manifest selects.
TEST_F(VerifyTest, TheVerifyCommandComparesOnDemandAndSaysWhatDiffers) {
  StartServers();
  for (const char* db : {"app", "other"}) {
    src_->Exec("postgres", std::string("CREATE DATABASE ") + db);
    src_->Exec(db, "CREATE TABLE public.t (id int PRIMARY KEY, v text); CREATE TABLE public.skip (id int);"
                   "INSERT INTO public.t SELECT g, 'row ' || g FROM generate_series(1, 100) g;"
                   "INSERT INTO public.skip VALUES (1)");
  }
  auto o = Options();
  o.extra_spec = "  databases: {include: [app, other]}\n  tables: {exclude: [public.skip]}\n  method: dump\n"
                 "  roles: {migrate: false}\n";
  auto status = MigrateJson(BuildManifest(o));
  ASSERT_EQ((*Db(status, "app"))["status"], "done") << status.dump(2);
  EXPECT_FALSE((*Db(status, "app")).contains("verification")) << "verify: none compares nothing";

  CommandResult run = Run("verify", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 0) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("verify passed: row counts and checksums match in 2 database(s)"));

  dst_->Exec("other", "UPDATE public.t SET v = 'changed' WHERE id = 5");
  run = Run("verify", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("differs: database \"other\": public.t: 100 rows on both servers, but their "
                                    "contents differ (checksums)"));
  EXPECT_THAT(run.output, HasSubstr("verify failed: 1 database(s) differ, 0 could not be compared"));
  EXPECT_THAT(run.output, Not(HasSubstr("skip"))) << "tables.exclude is not compared";

  run = Run("verify", BuildManifest(o), {"--mode", "counts"});
  EXPECT_EQ(run.exit_code, 0) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("verify passed: row counts match in 2 database(s)"));

  dst_->Exec("postgres", "DROP DATABASE app");
  run = Run("verify", BuildManifest(o), {"-o", "json"});
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  auto j = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << run.output;
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["databases"][0]["dbname"], "app");
  EXPECT_EQ(j["databases"][0]["result"], "error");
  EXPECT_EQ(j["databases"][0]["error"], "database \"app\" does not exist on the destination");
  EXPECT_EQ(j["databases"][1]["result"], "failed");
  EXPECT_EQ(j["databases"][1]["tables"], 1);
  EXPECT_EQ(j["databases"][1]["rows"], 100);

  run = Run("verify", BuildManifest(o), {"--mode", "rows"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--mode: must be counts or checksums (got \"rows\")"));

  // A source user that may not read a table: the table is a difference, not left out.
  auto reader = Options(false, true);
  reader.extra_spec = "  databases: {include: [other]}\n  tables: {exclude: [public.skip]}\n";
  run = Run("verify", BuildManifest(reader));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("differs: database \"other\": public.t: cannot be read on the source: permission "
                                    "denied for table t"));
}

// Each query's tables are read in a transaction of their own (on the one exported snapshot), so
// a comparison holds the locks of one query at a time: 1,500 tables on a destination whose lock
// table has room for a few hundred (max_locks_per_transaction 10 x 20 connections). Read in one
// transaction per session, they ran out of shared memory ("You might need to increase
// max_locks_per_transaction"), and each table after that was named as unreadable.
TEST_F(VerifyTest, ManyTablesAreComparedWithinASmallLockTable) {
  StartServers({}, {{"max_locks_per_transaction=10", "max_connections=20"}});
  ASSERT_EQ(dst_->Scalar("postgres", "SHOW max_locks_per_transaction"), "10");
  const std::string tables = R"sql(
    DO $$ BEGIN FOR i IN 1..1500 LOOP
      EXECUTE format('CREATE TABLE public.t%s (id int PRIMARY KEY, v text)', i);
      EXECUTE format('INSERT INTO public.t%s VALUES (1, %L)', i, 'v' || i);
    END LOOP; END $$;)sql";
  for (const PgCluster* c : {src_.get(), dst_.get()}) {
    c->Exec("postgres", "CREATE DATABASE app");
    // In batches: one transaction creating them all would need the locks this test is about.
    for (int from = 1; from <= 1500; from += 100) {
      std::string batch = tables;
      batch.replace(batch.find("1..1500"), 7, std::to_string(from) + ".." + std::to_string(from + 99));
      c->Exec("app", batch);
    }
  }
  dst_->Exec("app", "UPDATE public.t1234 SET v = 'changed'");
  auto o = Options();
  // One job: one session reads every table on each side.
  o.extra_spec = "  databases: {include: [app]}\n  method: dump\n  roles: {migrate: false}\n  dump: {jobs: 1}\n";
  CommandResult run = Run("verify", BuildManifest(o));
  EXPECT_EQ(run.exit_code, 1) << run.output << run.err;
  EXPECT_THAT(run.output, HasSubstr("app       failed  1500    1500"));
  EXPECT_THAT(run.output, HasSubstr("differs: database \"app\": public.t1234: 1 rows on both servers, but their "
                                    "contents differ (checksums)"));
  EXPECT_THAT(run.output, Not(HasSubstr("out of shared memory")));
  EXPECT_EQ(run.output.find("differs:"), run.output.rfind("differs:")) << "one table differs:\n" << run.output;
}

}  // namespace
}  // namespace pgferry::testing
