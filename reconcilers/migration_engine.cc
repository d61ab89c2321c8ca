#include "reconcilers/migration_engine.h"

#include <ctime>
#include <set>
#include <thread>

#include "reconcilers/database_migration.h"
#include "reconcilers/engine_sql.h"
#include "reconcilers/lock_wait_watch.h"
#include "reconcilers/names.h"
#include "reconcilers/role_migration.h"
#include "reconcilers/status_summary.h"

namespace pgferry {

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

MigrationEngine::MigrationEngine(const api::MigrationSpec& spec, EngineOptions options,
                                 api::MigrationStatus* status)
    : spec_(spec), options_(std::move(options)), status_(status) {}

MigrationEngine::~MigrationEngine() = default;

api::DatabaseStatus& MigrationEngine::Db(const std::string& name) {
  if (auto* d = status_->FindDatabase(name)) return *d;
  status_->databases.push_back({});
  status_->databases.back().dbname = name;
  return status_->databases.back();
}

void MigrationEngine::Publish() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  SummarizeStatus(spec_, options_.generation, status_);
  if (options_.listener) options_.listener->OnStatus(*status_);
}

void MigrationEngine::Event(const std::string& reason, const std::string& message, bool warning) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (options_.listener) options_.listener->OnEvent(reason, message, warning);
}

RunOutcome MigrationEngine::Run() {
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    status_->migrationId = options_.migration_id;
    if (status_->startTime.empty()) status_->startTime = NowRfc3339();
    status_->phase = api::kPhaseValidating;
    status_->error.reset();
  }
  Publish();
  // For the whole run: a session of this run that waits for a lock is reported (an event and a
  // log line) instead of leaving the run silent (lock_wait_watch.h).
  LockWaitWatch lock_watch(*options_.connector,
                           {{"source", options_.endpoints.source}, {"destination", options_.endpoints.destination}},
                           [this](const std::string& m) { Event("WaitingForLock", m, true); });
  auto probe = Probe(*options_.connector, spec_, options_.endpoints);
  if (!probe.ok()) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    status_->error = probe.status().message();
    status_->phase = api::kPhaseFailed;
    SetCondition(status_, "Validated", false, "ConnectionFailed", probe.status().message());
    Publish();
    return RunOutcome::kValidationFailed;
  }
  probe_ = std::move(*probe);
  probe_.spec = &spec_;
  preflight_ = RunPreflight(probe_);
  if (!preflight_.errors.empty()) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    status_->error = preflight_.errors.front();
    status_->phase = api::kPhaseFailed;
    SetCondition(status_, "Validated", false, "PrecheckFailed", preflight_.errors.front());
    Publish();
    Event("ValidationFailed", preflight_.errors.front(), true);
    return RunOutcome::kValidationFailed;
  }
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    SetCondition(status_, "Validated", true, "PrecheckPassed", "both servers passed the checks");
    status_->phase = api::kPhaseRunning;
    for (const auto& plan : preflight_.databases) {
      auto& d = Db(plan.dbname);
      if (d.method.empty()) d.method = plan.method;
    }
  }
  Publish();
  Event("Validated", "checks passed; " + std::to_string(preflight_.databases.size()) + " database(s) selected");
  {
    // From here on the run's sessions are in these databases (another run by the same user
    // elsewhere is not this one's), and its subscriptions' apply workers are watched too.
    std::vector<std::string> dbnames, subscriptions;
    for (const auto& plan : preflight_.databases) {
      dbnames.push_back(plan.dbname);
      subscriptions.push_back(ReplicationObjectName(options_.migration_id, plan.dbname));
    }
    lock_watch.SetScope(std::move(dbnames), std::move(subscriptions));
  }

  if (spec_.roles.migrate) {
    auto src = options_.connector->Connect(options_.endpoints.source);
    auto dst = options_.connector->Connect(options_.endpoints.destination);
    Status st = !src.ok() ? src.status() : !dst.ok() ? dst.status() : RoleMigration(*this).Run(**src, **dst);
    if (!st.ok()) Event("RolesFailed", "roles: " + st.message(), true);
  }

  std::vector<std::unique_ptr<DatabaseMigration>> dbs;
  for (const auto& plan : preflight_.databases) {
    if (StopRequested()) return RunOutcome::kStopped;
    dbs.push_back(std::make_unique<DatabaseMigration>(*this, plan));
    dbs.back()->SetUp();
  }

  // Replicated databases: wait until each is in sync, then cut over when asked to.
  auto deadline = std::chrono::steady_clock::now() + options_.sync_timeout;
  // Being in sync takes two polls at least (see DatabaseMigration::PollSync): poll soon after
  // the subscription starts, then back off to poll_interval.
  auto wait = std::min<std::chrono::milliseconds>(options_.poll_interval, std::chrono::milliseconds(50));
  for (;;) {
    if (StopRequested()) return RunOutcome::kStopped;
    bool all = true, any = false;
    for (auto& db : dbs) {
      if (!db->replicating()) continue;
      any = true;
      all = db->PollSync() && all;
    }
    if (!any || all) break;
    if (options_.sync_timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(wait);
    wait = std::min<std::chrono::milliseconds>(options_.poll_interval, wait * 2);
  }
  bool any_replicating = false;
  for (auto& db : dbs) any_replicating = any_replicating || db->replicating();
  if (spec_.replication.cutover && any_replicating) {
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      status_->phase = api::kPhaseCuttingOver;
    }
    Publish();
    for (auto& db : dbs) db->Cutover();
  }
  Publish();
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (const auto& d : status_->databases)
    if (d.status == api::kDbFailed) return RunOutcome::kDatabaseFailed;
  return RunOutcome::kDone;
}

}  // namespace pgferry
