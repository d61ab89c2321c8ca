// The libpq adapter against a real PostgreSQL 15 server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "operator/pg/dump_restore.h"
#include "operator/pg/libpq_session.h"
#include "operator/pg/sqlstate.h"
#include "reconcilers/engine_sql.h"
#include "tests/harness/pg_cluster.h"

namespace pgferry::pg {
namespace {

using pgferry::testing::PgCluster;

class PgSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = PgCluster::Start().release(); }
  static void TearDownTestSuite() { delete server_; }

  ConnParams Params(const std::string& user = PgCluster::kUser,
                    const std::string& password = PgCluster::kUserPassword) {
    ConnParams p;
    p.host = "127.0.0.1";
    p.port = server_->port();
    p.user = user;
    p.password = password;
    p.connect_timeout_seconds = 5;
    return p;
  }

  static PgCluster* server_;
  LibpqConnector connector_;
};
PgCluster* PgSessionTest::server_ = nullptr;

TEST_F(PgSessionTest, QueriesWithParametersAndNulls) {
  auto s = connector_.Connect(Params());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto r = (*s)->Query("SELECT $1::int + 1 AS n, $2::text IS NULL AS isnull", {"41", std::nullopt});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt(0, 0), 42);
  EXPECT_TRUE(r->GetBool(0, 1));
  EXPECT_EQ(r->columns()[0], "n");
  EXPECT_GE((*s)->ServerVersion(), 150000);
}

TEST_F(PgSessionTest, WrongPasswordShowsServerMessageAndHidesPassword) {
  const std::string secret = "s3cr3t-wr0ng-pa55";
  auto s = connector_.Connect(Params(PgCluster::kUser, secret));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.status().message().find("password authentication failed for user \"migrator\""),
            std::string::npos)
      << s.status().message();
  EXPECT_EQ(s.status().message().find(secret), std::string::npos);
  EXPECT_EQ(Params(PgCluster::kUser, secret).Describe().find(secret), std::string::npos);
  EXPECT_EQ(Params(PgCluster::kUser, secret).ConninfoMasked().find(secret), std::string::npos);
}

TEST_F(PgSessionTest, ServerErrorsCarrySqlState) {
  auto s = connector_.Connect(Params());
  ASSERT_TRUE(s.ok());
  Status st = (*s)->Exec("CREATE ROLE boss SUPERUSER");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(HasSqlState(st, kInsufficientPrivilege));
  EXPECT_EQ(st.message(), "must be superuser to create superusers");
  auto missing = (*s)->Query("SELECT * FROM no_such_table");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(PgSessionTest, MissingDatabaseIsNotFound) {
  auto p = Params();
  p.dbname = "this_db_does_not_exist";
  auto s = connector_.Connect(p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("database \"this_db_does_not_exist\" does not exist"),
            std::string::npos);
}

TEST_F(PgSessionTest, HostileIdentifiersRoundTrip) {
  auto s = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(s.ok());
  const std::string name = "We\"ird. 'näme' \u00e9\u6f22";
  std::string q = (*s)->QuoteIdent(name);
  ASSERT_TRUE((*s)->Exec("CREATE TABLE public." + q + " (v text)").ok());
  ASSERT_TRUE((*s)->Exec("INSERT INTO public." + q + " VALUES (" + (*s)->QuoteLiteral("it's") + ")").ok());
  auto r = (*s)->Query("SELECT relname FROM pg_catalog.pg_class WHERE relname = $1", {name});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  auto v = (*s)->Query("SELECT v FROM public." + q);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Get(0, 0), "it's");
  ASSERT_TRUE((*s)->Exec("DROP TABLE public." + q).ok());
}

TEST_F(PgSessionTest, RelayCopyStreamsRowsBetweenSessions) {
  auto a = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  auto b = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Exec("CREATE TABLE public.relay_src AS SELECT g AS id, md5(g::text) AS t "
                         "FROM generate_series(1, 20000) g; CREATE TABLE public.relay_dst (id int, t text)")
                  .ok());
  auto rows = RelayCopy(**a, "COPY public.relay_src TO STDOUT (FORMAT binary)", **b,
                        "COPY public.relay_dst FROM STDIN (FORMAT binary)");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 20000);
  EXPECT_EQ(server_->Scalar("postgres", "SELECT count(*) FROM relay_dst"), "20000");
  EXPECT_EQ(server_->Scalar("postgres", "SELECT md5(string_agg(t, ',' ORDER BY id)) FROM relay_dst"),
            server_->Scalar("postgres", "SELECT md5(string_agg(t, ',' ORDER BY id)) FROM relay_src"));
}

TEST_F(PgSessionTest, RelayCopyReportsADestinationErrorAndLeavesBothSessionsUsable) {
  auto a = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  auto b = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(a.ok() && b.ok());
  // Enough rows that the duplicate arrives long before the source has sent everything.
  ASSERT_TRUE((*a)->Exec("CREATE TABLE public.relay_dup_src AS SELECT g % 300000 AS id, repeat('x', 100) AS t "
                         "FROM generate_series(1, 600000) g ORDER BY g; "
                         "CREATE TABLE public.relay_dup_dst (id int PRIMARY KEY, t text)")
                  .ok());
  ASSERT_TRUE((*b)->Exec("BEGIN").ok());
  int64_t progress_calls = 0;
  auto rows = RelayCopy(**a, "COPY public.relay_dup_src TO STDOUT", **b, "COPY public.relay_dup_dst FROM STDIN",
                        [&](int64_t) { ++progress_calls; });
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("duplicate key value"), std::string::npos) << rows.status().ToString();
  EXPECT_TRUE((*b)->Exec("ROLLBACK").ok());
  auto r = (*b)->Query("SELECT count(*) FROM public.relay_dup_dst");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt(0, 0), 0);
  auto again = (*a)->Query("SELECT 1");
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(PgSessionTest, RelayCopyOfASourceErrorAbortsTheDestinationCopy) {
  auto a = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  auto b = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Exec("CREATE TABLE public.relay_err_dst (v int)").ok());
  // Division by zero half-way through the source's rows.
  auto rows = RelayCopy(**a, "COPY (SELECT 100 / (50000 - g) FROM generate_series(1, 100000) g) TO STDOUT", **b,
                        "COPY public.relay_err_dst FROM STDIN");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(), "division by zero");
  EXPECT_EQ(server_->Scalar("postgres", "SELECT count(*) FROM relay_err_dst"), "0");
  EXPECT_TRUE((*a)->Query("SELECT 1").ok());
  EXPECT_TRUE((*b)->Query("SELECT 1").ok());
}

TEST_F(PgSessionTest, RelayCopyOfManyMegabytesCountsEveryRowAndReportsProgress) {
  auto a = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  auto b = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Exec("CREATE TABLE public.relay_big_src AS SELECT g AS id, repeat(md5(g::text), 8) AS t "
                         "FROM generate_series(1, 200000) g; CREATE TABLE public.relay_big_dst (id int, t text)")
                  .ok());
  std::vector<int64_t> progress;
  auto rows = RelayCopy(**a, "COPY public.relay_big_src TO STDOUT", **b, "COPY public.relay_big_dst FROM STDIN",
                        [&](int64_t bytes) { progress.push_back(bytes); });
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 200000);
  ASSERT_GT(progress.size(), 10u);  // about 52 MB of text: a report per MiB
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(server_->Scalar("postgres", "SELECT md5(string_agg(t, ',' ORDER BY id)) FROM relay_big_dst"),
            server_->Scalar("postgres", "SELECT md5(string_agg(t, ',' ORDER BY id)) FROM relay_big_src"));
}

TEST(DumpToc, CatalogIdOfAListLine) {
  EXPECT_EQ(TocCatalogId("3187; 2606 16400 CONSTRAINT public t t_pkey postgres"), std::make_pair(2606u, 16400u));
  EXPECT_EQ(TocCatalogId("12; 1259 16390 INDEX public \"we; ird\" postgres"), std::make_pair(1259u, 16390u));
  EXPECT_EQ(TocCatalogId(";; 1259 16390 INDEX commented out"), std::make_pair(0u, 0u));
  EXPECT_EQ(TocCatalogId("; Archive created at 2026-11-28"), std::make_pair(0u, 0u));
  EXPECT_EQ(TocCatalogId(""), std::make_pair(0u, 0u));
  EXPECT_EQ(TocCatalogId("3300; 0 0 COMMENT - INDEX x postgres"), std::make_pair(0u, 0u));
}

// Enough tables that the archive (about 500 bytes each) is more than a pipe's 64 KiB buffer.
void CreateManyTables(PgCluster& server, const std::string& db, int n) {
  server.Exec("postgres", "CREATE DATABASE " + db);
  server.Exec(db, "DO $$BEGIN FOR i IN 1.." + std::to_string(n) +
                      " LOOP EXECUTE format('CREATE TABLE public.t%s (id int PRIMARY KEY, v text)', i); "
                      "END LOOP; END$$");
}

// One pg_dump of both sections: pre-data restored from the stream, the kept archive restores
// post-data later, and the archive's folder goes with the object.
TEST_F(PgSessionTest, DumpRestoreKeepingArchiveRestoresPreDataAndKeepsPostData) {
  CreateManyTables(*server_, "keep_src", 300);
  server_->Exec("postgres", "CREATE DATABASE keep_dst");
  auto src = Params(PgCluster::kSuperuser, PgCluster::kSuperPassword);
  src.dbname = "keep_src";
  auto dst = src;
  dst.dbname = "keep_dst";
  DumpRestoreResult r;
  auto archive = DumpRestoreKeepingArchive(src, {"--section=pre-data", "--section=post-data"}, dst,
                                           {"--section=pre-data"}, &r);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  EXPECT_EQ(r.dump_exit, 0) << r.dump_stderr;
  EXPECT_EQ(r.restore_exit, 0) << r.restore_stderr;
  const char* count = "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = ";
  EXPECT_EQ(server_->Scalar("keep_dst", std::string(count) + "'r'"), "300");
  EXPECT_EQ(server_->Scalar("keep_dst", std::string(count) + "'i'"), "0");
  std::string dir = (*archive)->dir();
  EXPECT_GT(std::filesystem::file_size((*archive)->path()), 2u * 65536);
  ASSERT_TRUE(RestoreFromArchive(**archive, dst, {"--section=post-data"}, {}, &r).ok());
  EXPECT_EQ(r.restore_exit, 0) << r.restore_stderr;
  EXPECT_EQ(server_->Scalar("keep_dst", std::string(count) + "'i'"), "300");
  archive->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// A pg_restore that exits without reading (here a stand-in that only fails) must neither end
// pgferry with SIGPIPE nor cut the archive short: pg_dump's whole output still reaches the file.
TEST_F(PgSessionTest, DumpRestoreKeepingArchiveOutlivesAPgRestoreThatExitsEarly) {
  CreateManyTables(*server_, "early_src", 300);
  testing::TempDir bin;
  std::filesystem::create_symlink(PgToolsDir() + "/pg_dump", bin.path() + "/pg_dump");
  std::string fake = bin.Write("pg_restore", "#!/bin/sh\necho 'pg_restore: error: gave up' >&2\nexit 3\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  std::string real_tools = PgToolsDir();
  setenv("PGFERRY_PG_BIN", bin.path().c_str(), 1);
  auto src = Params(PgCluster::kSuperuser, PgCluster::kSuperPassword);
  src.dbname = "early_src";
  DumpRestoreResult r;
  auto archive = DumpRestoreKeepingArchive(src, {"--section=pre-data"}, src, {"--section=pre-data"}, &r);
  unsetenv("PGFERRY_PG_BIN");
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  EXPECT_EQ(r.dump_exit, 0) << r.dump_stderr;
  EXPECT_EQ(r.restore_exit, 3);
  EXPECT_NE(r.restore_stderr.find("gave up"), std::string::npos) << r.restore_stderr;
  auto listed = testing::RunCommand({real_tools + "/pg_restore", "--list", (*archive)->path()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  size_t tables = 0;
  for (size_t at = 0; (at = listed.output.find(" TABLE public t", at)) != std::string::npos; ++at) ++tables;
  EXPECT_EQ(tables, 300u);
}

// A listening socket that never accepts: TCP connects, the server never answers.
TEST_F(PgSessionTest, UnansweredServerTimesOutOnDeadline) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto p = Params();
  p.port = ntohs(addr.sin_port);
  p.connect_timeout_seconds = 1;
  auto start = std::chrono::steady_clock::now();
  auto s = connector_.Connect(p);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kTimeout);
  EXPECT_LT(secs, 2.0);
  EXPECT_NE(s.status().message().find("timeout expired"), std::string::npos);
}

// kSlot (reconcilers/engine_sql.h) measures a slot's lag from the WAL insert position. When the
// last record ends exactly at a page boundary, that position points past the next page's
// header, where no record ends and no slot can confirm: an idle source looked 24 bytes behind
// until something else wrote WAL (a replication run waited for it; a cutover with it).
TEST_F(PgSessionTest, ASlotThatConfirmedTheLastRecordEndingAtAPageBoundaryHasNoLag) {
  auto s = connector_.Connect(Params(PgCluster::kSuperuser, PgCluster::kSuperPassword));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Session& db = **s;
  auto ok = [](const Result<QueryResult>& r) { return r.ok() ? std::string() : r.status().ToString(); };
  ASSERT_EQ(ok(db.Query("SELECT pg_create_logical_replication_slot('boundary', 'pgoutput')")), "");
  auto offset = [&] {
    return db.Query("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint % 8192")->GetInt(0, 0);
  };
  bool checked = false;
  // Other WAL (a background process's) may come between: then try again.
  for (int attempt = 0; attempt < 20 && !checked; ++attempt) {
    int64_t need = 8192 - offset();
    if (need < 512) {  // too close to the boundary for one message: past it first
      ASSERT_EQ(ok(db.Query("SELECT pg_logical_emit_message(false, 'b', repeat('x', 600))")), "");
      continue;
    }
    // A non-transactional message is one record: header 24, long data header 5, the message's
    // own header 24, prefix "b" and its NUL, the text; records are 8-byte aligned.
    ASSERT_EQ(ok(db.Query("SELECT pg_logical_emit_message(false, 'b', repeat('x', $1::int))",
                          {std::to_string(need - 24 - 5 - 24 - 2)})),
              "");
    if (offset() != 24) continue;  // not on the boundary (other WAL): again
    auto boundary = db.Query("SELECT pg_current_wal_insert_lsn() - 24");
    ASSERT_TRUE(boundary.ok());
    // The slot confirms up to the boundary, once the WAL is written out there.
    for (int i = 0; i < 100 && db.Query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", {boundary->Get(0, 0)})
                                       ->GetBool(0, 0) == false;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(ok(db.Query("SELECT pg_replication_slot_advance('boundary', $1::pg_lsn)", {boundary->Get(0, 0)})), "");
    auto slot = db.Query(sql::kSlot, {"boundary", "0"});
    if (offset() != 24) continue;  // WAL came after: the lag below would be real
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    ASSERT_EQ(slot->size(), 1u);
    EXPECT_EQ(slot->Get(0, 3), boundary->Get(0, 0)) << "confirmed_flush_lsn";
    EXPECT_EQ(slot->GetInt(0, 2), 0) << "lag bytes at position " << slot->Get(0, 4);
    checked = true;
  }
  EXPECT_TRUE(checked) << "the WAL never ended at a page boundary with nothing after";
  (void)db.Query("SELECT pg_drop_replication_slot('boundary')");
}

}  // namespace
}  // namespace pgferry::pg
