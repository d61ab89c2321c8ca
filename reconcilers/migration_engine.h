// MigrationEngine: runs one PgMigration end to end on the servers: validate, roles, then per
// database schema, data copy and (for replication) publication, slot and subscription, waiting
// for sync, and cutover. The same engine serves `pgferry migrate` and the operator.
//
// Every step observes before it acts, and progress that must survive a crash is recorded on
// the destination in the same transaction as the work (`_pgferry.state`), so running the engine
// again continues where it stopped and never duplicates rows or objects. Replication objects
// are named from the migration id (names.h) and recorded in the status before they are created.
//
// Status is written into the caller's MigrationStatus and announced to the ProgressListener
// after each change (under an internal lock, from the thread that made the change). One Run()
// or Cleanup() at a time per engine.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/pg/session.h"
#include "reconcilers/api/migration.h"
#include "reconcilers/preflight.h"
#include "reconcilers/probe.h"

namespace pgferry {

struct GeneratedPassword {
  std::string role;
  std::string password;
};

class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  virtual void OnStatus(const api::MigrationStatus& status) = 0;
  // A phase change or notable event: CamelCase reason, message for a person.
  virtual void OnEvent(const std::string& reason, const std::string& message, bool warning) = 0;
};

struct EngineOptions {
  pg::Connector* connector = nullptr;
  Endpoints endpoints;
  std::string migration_id;  // MigrationShortId(...)
  int64_t generation = 0;
  ProgressListener* listener = nullptr;
  const std::atomic<bool>* stop = nullptr;  // set to ask Run() to stop at the next safe point
  std::chrono::milliseconds poll_interval{500};
  std::chrono::seconds sync_timeout{0};  // 0: wait for sync as long as it takes
};

enum class RunOutcome {
  kDone,              // every database done (or syncing with replication left running)
  kDatabaseFailed,    // at least one database failed
  kValidationFailed,  // preflight errors: nothing was written
  kStopped,           // stop requested
};

class MigrationEngine {
 public:
  MigrationEngine(const api::MigrationSpec& spec, EngineOptions options,
                  api::MigrationStatus* status);
  ~MigrationEngine();

  RunOutcome Run();

  // Drops what this migration created: subscriptions (destination first), slots and
  // publications (source), and the _pgferry state. Safe to run twice. `report` gets one line per
  // object dropped or left behind. Returns not-ok when something could not be dropped.
  Status Cleanup(std::vector<std::string>* report);

  const std::vector<GeneratedPassword>& passwords() const { return passwords_; }
  const PreflightReport& preflight() const { return preflight_; }

 private:
  friend class DatabaseMigration;
  friend class RoleMigration;

  void Publish();  // recompute summary fields, then notify the listener
  void Event(const std::string& reason, const std::string& message, bool warning = false);
  bool StopRequested() const { return options_.stop && options_.stop->load(); }
  api::DatabaseStatus& Db(const std::string& name);

  const api::MigrationSpec& spec_;
  EngineOptions options_;
  api::MigrationStatus* status_;
  std::recursive_mutex mu_;
  PreflightInput probe_;
  PreflightReport preflight_;
  std::vector<GeneratedPassword> passwords_;
};

// Time now as RFC 3339 UTC, for status timestamps.
std::string NowRfc3339();

}  // namespace pgferry
