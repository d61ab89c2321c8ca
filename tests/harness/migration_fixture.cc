#include "tests/harness/migration_fixture.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <list>
#include <mutex>
#include <thread>

extern char** environ;

namespace pgferry::testing {

void MigrationTest::StartServers(PgClusterOptions src, PgClusterOptions dst) {
  src_ = PgCluster::Start(src);
  dst_ = PgCluster::Start(dst);
}

void MigrationTest::CleanUpAndExpectNothingLeft(const ManifestOptions& o, const std::string& db) {
  CommandResult c = Run("cleanup", BuildManifest(o));
  EXPECT_EQ(c.exit_code, 0) << c.output << c.err;
  EXPECT_EQ(LeftoverReplicationObjects({db}), 0);
}

std::string MigrationTest::TmpDir() const {
  std::string d = dir_.path() + "/tmp";
  std::filesystem::create_directories(d);
  return d;
}

void MigrationTest::TearDown() {
  if (tmpdir_may_hold_leftovers_) return;
  std::string left;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/tmp", ec))
    left += " " + e.path().filename().string();
  EXPECT_EQ(left, "") << "pgferry left these in its TMPDIR";
}

pid_t MigrationTest::SpawnMigrate(const std::string& manifest, const std::string& name,
                                  const std::vector<std::string>& args) {
  std::string path = dir_.Write(name + ".yaml", manifest), out = OutputOf(name);
  std::vector<std::string> words = {PgferryBinary(), "migrate", "-f", path};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  std::vector<std::string> env = EnvironWith({"TMPDIR=" + TmpDir()});
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data()) != 0) pid = 0;
  posix_spawn_file_actions_destroy(&files);
  return pid;
}

std::string MigrationTest::OutputOf(const std::string& name) const { return dir_.path() + "/" + name + ".out"; }

bool MigrationTest::WaitUntil(const std::function<bool()>& ready, int seconds) {
  for (int i = 0; i < seconds * 100; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ready();
}

int MigrationTest::ExitCodeOf(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string MigrationTest::ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ManifestOptions MigrationTest::Options(bool source_superuser, bool destination_superuser) {
  ManifestOptions o;
  o.source = ServerRef::Of(*src_, source_superuser);
  o.destination = ServerRef::Of(*dst_, destination_superuser);
  return o;
}

CommandResult MigrationTest::Run(const std::string& command, const std::string& manifest,
                                 const std::vector<std::string>& args) {
  std::vector<std::string> argv = {PgferryBinary(), command, "-f", dir_.Write("m.yaml", manifest)};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, "", {"TMPDIR=" + TmpDir()});
}

nlohmann::json MigrationTest::MigrateJson(const std::string& manifest, int expect_exit) {
  CommandResult r = Run("migrate", manifest, {"-o", "json"});
  EXPECT_EQ(r.exit_code, expect_exit) << r.output << r.err;
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.output << r.err;
  return j.is_discarded() ? nlohmann::json::object() : j;
}

nlohmann::json* MigrationTest::Db(const nlohmann::json& status, const std::string& name) {
  static std::mutex mu;
  static std::list<nlohmann::json> copies;  // stable addresses for the test process's life
  if (!status.is_object() || !status.contains("databases") || !status["databases"].is_array()) return nullptr;
  for (const auto& d : status["databases"])
    if (d.is_object() && d.value("dbname", "") == name) {
      std::lock_guard<std::mutex> l(mu);
      return &copies.emplace_back(d);
    }
  return nullptr;
}

void MigrationTest::ExpectSameData(const std::string& db) {
  auto a = src_->TableFingerprints(db);
  auto b = dst_->TableFingerprints(db);
  EXPECT_EQ(a, b) << "database " << db;
}

bool MigrationTest::WaitForSameData(const std::string& db, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (src_->TableFingerprints(db) == dst_->TableFingerprints(db)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int MigrationTest::LeftoverReplicationObjects(const std::vector<std::string>& dbs) {
  int n = std::stoi(src_->Scalar("postgres",
      "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'pgferry\\_%'"));
  n += std::stoi(dst_->Scalar("postgres",
      "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'pgferry\\_%'"));
  for (const auto& db : dbs)
    n += std::stoi(src_->Scalar(db, "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'pgferry\\_%'"));
  return n;
}

}  // namespace pgferry::testing
