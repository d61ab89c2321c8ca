// PgCluster: a throw-away PostgreSQL 15 server for one test (or one test suite).
//
// Start() runs tests/harness/pgcluster (the same script the demo uses): initdb into a temporary
// folder, a free port on 127.0.0.1, wal_level=logical unless told otherwise, superuser
// "postgres"/"postgres-pw" and the non-superuser "migrator"/"migrator-pw" (LOGIN REPLICATION
// CREATEDB CREATEROLE). The destructor stops the server and removes the folder; a watchdog does the
// same if the test process dies. Not thread-safe; one owner.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace pgferry::testing {

struct PgClusterOptions {
  std::vector<std::string> settings;  // "name=value", e.g. "wal_level=replica"
  std::vector<std::string> hba;       // pg_hba lines placed before the default rules
};

using Rows = std::vector<std::vector<std::string>>;

class PgCluster {
 public:
  static constexpr const char* kSuperuser = "postgres";
  static constexpr const char* kSuperPassword = "postgres-pw";
  static constexpr const char* kUser = "migrator";
  static constexpr const char* kUserPassword = "migrator-pw";

  // Fails the calling test (gtest fatal failure via exception) when the server cannot start.
  static std::unique_ptr<PgCluster> Start(const PgClusterOptions& options = {});
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string host() const { return "127.0.0.1"; }

  // Runs SQL as the superuser in `db` (over the unix socket); throws std::runtime_error with the
  // server's message on failure. Query returns text values ("" for NULL).
  void Exec(const std::string& db, const std::string& sql) const;
  Rows Query(const std::string& db, const std::string& sql) const;
  std::string Scalar(const std::string& db, const std::string& sql) const;

  // Starts PgBouncer (session pooling, the same users and passwords) in front of this server
  // and returns its port on 127.0.0.1; the destructor stops it with the server.
  int StartPooler();
  std::string PoolerLog() const;

  // Changes settings (appended to those given at Start) and restarts the server.
  void Restart(const std::vector<std::string>& settings = {});

  // Per-table "count|md5 of ordered rows" for every user table of `db`, keyed by
  // schema.table: the "equal" the tests use to compare source and destination.
  std::vector<std::pair<std::string, std::string>> TableFingerprints(const std::string& db) const;

 private:
  PgCluster() = default;
  std::string dir_;
  int port_ = 0;
};

// Quotes an identifier for SQL written by tests (doubles embedded quotes).
std::string QuoteIdent(const std::string& name);
// Quotes a literal for SQL written by tests.
std::string QuoteLiteral(const std::string& value);

// Runs a shell command, returning its exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout
  std::string err;     // stderr
};
// This process's environment with `overrides` ("KEY=value") replacing the entries of the same key.
std::vector<std::string> EnvironWith(const std::vector<std::string>& overrides);
// Runs a command to its end; `extra_env` entries replace the environment's entries of that key.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         const std::vector<std::string>& extra_env = {});

// Path of the built pgferry binary (PGFERRY_BIN, set by CTest).
std::string PgferryBinary();

// A temporary folder removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace pgferry::testing
