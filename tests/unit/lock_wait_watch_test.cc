// LockWaitWatch against fake sessions: what a report says (several holders, holders this user
// may not see, a lock that is not on a relation, a quoted relation name), that a wait is reported
// once however often the watch looks, that a server it cannot reach is skipped, and that a watch
// shorter than its first look never connects. The real servers: MigrateTest.ALockWaitIsReported*.
#include "reconcilers/lock_wait_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/unit/recording_session.h"

namespace pgferry {
namespace {

using ::testing::ElementsAre;

pg::QueryResult Rows(std::vector<std::vector<std::optional<std::string>>> rows) {
  std::vector<std::string> cols(rows.empty() ? 0 : rows[0].size(), "c");
  return pg::QueryResult(cols, std::move(rows));
}

class FakeServerSession : public testing::RecordingSession {
 public:
  explicit FakeServerSession(std::string db) : db_(std::move(db)) {}
  Result<pg::QueryResult> Query(const std::string& sql,
                                const std::vector<std::optional<std::string>>& params) override {
    (void)testing::RecordingSession::Query(sql, params);
    if (sql.find("pg_blocking_pids") != std::string::npos) {
      return Rows({
          {"100", "app", "pgferry/pg_dump", "7", "relation", "16384", "AccessShareLock", "200", "alice", "psql",
           "idle in transaction", "185", ""},
          {"100", "app", "pgferry/pg_dump", "7", "relation", "16384", "AccessShareLock", "201", "", "", "", "", ""},
          {"101", "app", "pgferry", "12", "transactionid", "", "ShareLock", "300", "bob", "", "active", "12", ""},
      });
    }
    if (sql.find("quote_ident") != std::string::npos && db_ == "app" && params.size() == 1 &&
        params[0] == "16384")
      return Rows({{"public.\"T\"", "table"}});
    return pg::QueryResult();
  }

 private:
  std::string db_;
};

class FakeConnector : public pg::Connector {
 public:
  Result<std::unique_ptr<pg::Session>> Connect(const pg::ConnParams& params) override {
    std::lock_guard<std::mutex> l(mu);
    connects.push_back(params.host + "/" + params.dbname + " as " + params.application_name);
    if (params.host == "unreachable") return Unavailable("connection refused");
    return std::unique_ptr<pg::Session>(std::make_unique<FakeServerSession>(params.dbname));
  }
  std::mutex mu;
  std::vector<std::string> connects;
};

pg::ConnParams Server(const std::string& host) {
  pg::ConnParams p;
  p.host = host;
  p.user = "migrator";
  return p;
}

TEST(LockWaitWatch, SaysWhatEachSessionWaitsForAndWhoBlocksItOnce) {
  FakeConnector connector;
  std::mutex mu;
  std::vector<std::string> reports;
  {
    LockWaitWatch watch(connector, {{"source", Server("src")}, {"destination", Server("unreachable")}},
                        [&](const std::string& m) {
                          std::lock_guard<std::mutex> l(mu);
                          reports.push_back(m);
                        },
                        {std::chrono::milliseconds(10), std::chrono::milliseconds(10), std::chrono::hours(1)});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // many looks
  }
  EXPECT_THAT(reports,
              ElementsAre("source database \"app\": pgferry/pg_dump (process 100) has waited 7 s for "
                          "AccessShareLock on table public.\"T\", blocked by process 200 (user alice, "
                          "application psql, idle in transaction, transaction open 3 min 5 s) and "
                          "process 201; it goes on once they release it",
                          "source database \"app\": pgferry (process 101) has waited 12 s for ShareLock (a "
                          "lock of type transactionid), blocked by process 300 (user bob, active, "
                          "transaction open 12 s); it goes on once that process releases it"));
  // Its own application name (nothing counts it as one of the run's sessions); the relation is
  // named from a session in the waiter's database; the unreachable server is tried at three
  // looks, then left alone.
  std::lock_guard<std::mutex> l(connector.mu);
  EXPECT_THAT(connector.connects,
              ElementsAre("src/postgres as pgferry-lock-watch", "src/app as pgferry-lock-watch",
                          "unreachable/postgres as pgferry-lock-watch", "unreachable/postgres as pgferry-lock-watch",
                          "unreachable/postgres as pgferry-lock-watch"));
}

// A server that cannot answer the query (older than 9.6, or refusing it) is left alone after
// three looks instead of being reconnected to at every look.
class RefusingSession : public testing::RecordingSession {
 public:
  Result<pg::QueryResult> Query(const std::string& sql,
                                const std::vector<std::optional<std::string>>& params) override {
    (void)testing::RecordingSession::Query(sql, params);
    return Status(StatusCode::kInvalidArgument, "function pg_catalog.pg_blocking_pids(integer) does not exist");
  }
};
class RefusingConnector : public pg::Connector {
 public:
  Result<std::unique_ptr<pg::Session>> Connect(const pg::ConnParams&) override {
    ++connects;
    return std::unique_ptr<pg::Session>(std::make_unique<RefusingSession>());
  }
  std::atomic<int> connects{0};
};

TEST(LockWaitWatch, AServerThatCannotAnswerIsLeftAloneAfterThreeLooks) {
  RefusingConnector connector;
  int reports = 0;
  {
    LockWaitWatch watch(connector, {{"source", Server("old")}}, [&](const std::string&) { ++reports; },
                        {std::chrono::milliseconds(10), std::chrono::milliseconds(10), std::chrono::hours(1)});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(connector.connects.load(), 3);
  EXPECT_EQ(reports, 0);
}

// SetScope: the query gets the run's databases with the endpoint's own, and its subscriptions,
// whose apply workers are named as such. (Which sessions the server then returns:
// MigrateTest.ALockWaitIsReportedWithWhatBlocksIt and
// ReplicationTest.AnApplyWorkerWaitingForADestinationLockIsReported.)
// What the watch asked for: each query's $3 (databases) and $4 (subscriptions).
struct Scopes {
  std::mutex mu;
  std::vector<std::string> seen;
};
class ScopedServerSession : public testing::RecordingSession {
 public:
  explicit ScopedServerSession(Scopes& scopes) : scopes_(scopes) {}
  Result<pg::QueryResult> Query(const std::string& sql,
                                const std::vector<std::optional<std::string>>& params) override {
    (void)testing::RecordingSession::Query(sql, params);
    if (sql.find("pg_blocking_pids") == std::string::npos || params.size() != 4) return pg::QueryResult();
    {
      std::lock_guard<std::mutex> l(scopes_.mu);
      scopes_.seen.push_back(params[2].value_or("NULL") + " " + params[3].value_or("NULL"));
    }
    if (params[3] != "{\"pgferry_1a2b_shop\"}") return pg::QueryResult();
    return Rows({{"102", "shop", "pgferry_1a2b_shop", "9", "relation", "", "RowExclusiveLock", "400", "carol",
                  "psql", "idle in transaction", "30", "apply"}});
  }

 private:
  Scopes& scopes_;
};
class ScopedConnector : public pg::Connector {
 public:
  Result<std::unique_ptr<pg::Session>> Connect(const pg::ConnParams&) override {
    return std::unique_ptr<pg::Session>(std::make_unique<ScopedServerSession>(scopes));
  }
  Scopes scopes;
};

TEST(LockWaitWatch, TheScopeNamesTheRunsDatabasesAndItsApplyWorkers) {
  ScopedConnector connector;
  std::mutex mu;
  std::vector<std::string> reports;
  pg::ConnParams src = Server("src");
  src.dbname = "maintenance";
  {
    LockWaitWatch watch(connector, {{"destination", src}},
                        [&](const std::string& m) {
                          std::lock_guard<std::mutex> l(mu);
                          reports.push_back(m);
                        },
                        {std::chrono::milliseconds(100), std::chrono::milliseconds(10), std::chrono::hours(1)});
    watch.SetScope({"shop", "Odd \"db\""}, {"pgferry_1a2b_shop"});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::lock_guard<std::mutex> l(connector.scopes.mu);
  ASSERT_FALSE(connector.scopes.seen.empty());
  EXPECT_EQ(connector.scopes.seen.front(),
            "{\"shop\",\"Odd \\\"db\\\"\",\"maintenance\"} {\"pgferry_1a2b_shop\"}");
  EXPECT_THAT(reports, ElementsAre("destination database \"shop\": the apply worker of subscription "
                                   "pgferry_1a2b_shop (process 102) has waited 9 s for RowExclusiveLock (a lock "
                                   "of type relation), blocked by process 400 (user carol, application psql, idle "
                                   "in transaction, transaction open 30 s); it goes on once that process releases "
                                   "it"));
}

TEST(LockWaitWatch, AWatchEndedBeforeItsFirstLookNeverConnects) {
  FakeConnector connector;
  auto start = std::chrono::steady_clock::now();
  { LockWaitWatch watch(connector, {{"source", Server("src")}}, [](const std::string&) {}); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(connector.connects.empty());
}

}  // namespace
}  // namespace pgferry
