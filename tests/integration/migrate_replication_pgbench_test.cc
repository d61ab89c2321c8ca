// The replication method's initial copy under load: pgbench (tpcb-like, 2 clients) writes to the
// source before, during and after pgferry copies the tables under the slot's exported snapshot
// and builds their indexes; once pgbench stops and the subscription catches up, the destination
// holds exactly the source's rows (each change applied once: none lost, none doubled).
#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/harness/migration_fixture.h"

extern char** environ;

namespace pgferry::testing {
namespace {

const char* kPgbench = "/usr/lib/postgresql/15/bin/pgbench";

class ReplicationUnderLoadTest : public MigrationTest {
 protected:
  std::vector<std::string> PgbenchArgs(const std::vector<std::string>& extra) {
    std::vector<std::string> a = {kPgbench, "-h", src_->host(), "-p", std::to_string(src_->port()),
                                  "-U", PgCluster::kSuperuser};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("bench");
    return a;
  }

  // Starts pgbench in the background; Stop() interrupts it and waits.
  void StartPgbench(const std::vector<std::string>& args) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    env.push_back(std::string("PGPASSWORD=") + PgCluster::kSuperPassword);
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, (dir_.path() + "/pgbench.err").c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_EQ(posix_spawn(&pgbench_, args[0].c_str(), &fa, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  void StopPgbench() {
    if (pgbench_ <= 0) return;
    kill(pgbench_, SIGINT);
    int st;
    waitpid(pgbench_, &st, 0);
    pgbench_ = -1;
  }
  void TearDown() override {
    StopPgbench();
    MigrationTest::TearDown();
  }

  int64_t HistoryRows() { return std::stoll(src_->Scalar("bench", "SELECT count(*) FROM public.pgbench_history")); }

  pid_t pgbench_ = -1;
};

TEST_F(ReplicationUnderLoadTest, PgbenchWritingDuringTheCopyEndsEqualAfterCatchUp) {
  StartServers();
  src_->Exec("postgres", "CREATE DATABASE bench");
  CommandResult init = RunCommand(PgbenchArgs({"-i", "-q", "-s", "5"}), "",
                                  {std::string("PGPASSWORD=") + PgCluster::kSuperPassword});
  ASSERT_EQ(init.exit_code, 0) << init.output << init.err;
  // pgbench_history has no key; its rows are only inserted, which FULL identity publishes.
  src_->Exec("bench", "ALTER TABLE public.pgbench_history REPLICA IDENTITY FULL");

  StartPgbench(PgbenchArgs({"-n", "-c", "2", "-j", "1", "-T", "600"}));
  // Writing has begun before the slot and its snapshot exist.
  for (int i = 0; i < 300 && HistoryRows() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  int64_t before = HistoryRows();
  ASSERT_GT(before, 0) << "pgbench did not start writing";

  auto o = Options();
  o.extra_spec = "  databases: {include: [bench]}\n  method: replication\n  roles: {migrate: false}\n";
  auto status = MigrateJson(BuildManifest(o));
  int64_t after_copy = HistoryRows();
  ASSERT_NE(Db(status, "bench"), nullptr);
  EXPECT_EQ((*Db(status, "bench"))["method"], "replication");
  EXPECT_THAT((*Db(status, "bench"))["status"].get<std::string>(), ::testing::AnyOf("running", "syncing"));
  EXPECT_GT(after_copy, before) << "no pgbench transaction committed while pgferry ran";
  // Keep writing a little after the subscription exists, then stop and let it catch up.
  while (HistoryRows() < after_copy + 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  StopPgbench();

  EXPECT_TRUE(WaitForSameData("bench", 180));
  ExpectSameData("bench");
  // The copy workers built the primary keys (recorded by source catalog id), so the restore of
  // post-data did not; the subscription applied the changes against them.
  EXPECT_THAT(dst_->Scalar("bench", "SELECT value FROM _pgferry.state WHERE key = 'indexes:public.pgbench_accounts'"),
              ::testing::StartsWith("2606:"));
  EXPECT_EQ(dst_->Scalar("bench", "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'pgbench_%'"),
            src_->Scalar("bench", "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'pgbench_%'"));

  ASSERT_EQ(Run("cleanup", BuildManifest(o)).exit_code, 0);
  EXPECT_EQ(LeftoverReplicationObjects({"bench"}), 0);
}

}  // namespace
}  // namespace pgferry::testing
