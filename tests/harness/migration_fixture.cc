#include "tests/harness/migration_fixture.h"

#include <chrono>
#include <thread>

namespace pgferry::testing {

void MigrationTest::StartServers(PgClusterOptions src, PgClusterOptions dst) {
  src_ = PgCluster::Start(src);
  dst_ = PgCluster::Start(dst);
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
  return RunCommand(argv);
}

nlohmann::json MigrationTest::MigrateJson(const std::string& manifest, int expect_exit) {
  CommandResult r = Run("migrate", manifest, {"-o", "json"});
  EXPECT_EQ(r.exit_code, expect_exit) << r.output << r.err;
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.output << r.err;
  return j.is_discarded() ? nlohmann::json::object() : j;
}

const nlohmann::json* MigrationTest::Db(const nlohmann::json& status, const std::string& name) {
  if (!status.contains("databases")) return nullptr;
  for (const auto& d : status["databases"])
    if (d["dbname"] == name) return &d;
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
