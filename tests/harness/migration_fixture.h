// MigrationTest: a GoogleTest fixture with a source and a destination PostgreSQL server, a
// manifest builder, and the checks a user would make after a migration: per-table row counts and
// checksums equal on both sides, and no publication, slot or subscription left behind.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "tests/harness/manifest_builder.h"
#include "tests/harness/pg_cluster.h"

namespace pgferry::testing {

class MigrationTest : public ::testing::Test {
 protected:
  void StartServers(PgClusterOptions src = {}, PgClusterOptions dst = {});
  // Fails the test when pgferry left anything in TmpDir(). A fixture that overrides TearDown
  // calls this one too.
  void TearDown() override;

  // TMPDIR of every pgferry command started by Run, MigrateJson and SpawnMigrate: a folder of
  // the test's own, which must be empty when the test ends (pgferry removes its schema archive
  // and CA files even when stopped). A test that kills pgferry with SIGKILL, which leaves them,
  // sets tmpdir_may_hold_leftovers_.
  std::string TmpDir() const;
  bool tmpdir_may_hold_leftovers_ = false;

  // Superuser on both ends unless told otherwise.
  ManifestOptions Options(bool source_superuser = true, bool destination_superuser = true);

  // Runs `pgferry <command> -f manifest args...`.
  CommandResult Run(const std::string& command, const std::string& manifest,
                    const std::vector<std::string>& args = {});
  // `pgferry migrate -o json`; returns the status (fails the test on unparsable output).
  nlohmann::json MigrateJson(const std::string& manifest, int expect_exit = 0);

  // The entry of database `name` in status.databases, or nullptr. A copy the caller may index
  // with keys the status leaves out when empty (warnings, sequencesSynced, replicationObjects,
  // verification): they read as null. operator[] on a const json with a missing key is
  // undefined behaviour, which once crashed a test process at random.
  static nlohmann::json* Db(const nlohmann::json& status, const std::string& name);

  // Starts `pgferry migrate -f <manifest> args...` in the background, stdout and stderr to
  // OutputOf(name); its pid (0 when it could not start).
  pid_t SpawnMigrate(const std::string& manifest, const std::string& name,
                     const std::vector<std::string>& args = {});
  std::string OutputOf(const std::string& name) const;
  // Waits (polling every 10 ms, up to `seconds`) until `ready`; its last answer.
  static bool WaitUntil(const std::function<bool()>& ready, int seconds = 10);
  // The exit code of a child, -1 when a signal ended it.
  static int ExitCodeOf(pid_t pid);
  static std::string ReadFile(const std::string& path);

  // Source and destination hold the same rows in every table of `db`.
  void ExpectSameData(const std::string& db);
  // Waits (up to `seconds`) until the destination has the same data as the source.
  bool WaitForSameData(const std::string& db, int seconds = 30);
  // Publications (in the listed source dbs), slots and subscriptions (in the listed destination
  // dbs) whose names start with "pgferry_".
  int LeftoverReplicationObjects(const std::vector<std::string>& dbs);
  // `pgferry cleanup` succeeds and leaves no replication object in `db`.
  void CleanUpAndExpectNothingLeft(const ManifestOptions& o, const std::string& db);

  TempDir dir_;
  std::unique_ptr<PgCluster> src_, dst_;
};

}  // namespace pgferry::testing
