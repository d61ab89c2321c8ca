// `pgferry migrate` and `pgferry cleanup`: the engine in the foreground, no cluster needed.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "operator/cli/command_line.h"
#include "operator/cli/commands.h"
#include "operator/cli/endpoints.h"
#include "operator/cli/text_table.h"
#include "operator/pg/libpq_session.h"
#include "reconcilers/api/migration_json.h"
#include "reconcilers/migration_engine.h"
#include "reconcilers/names.h"

namespace pgferry::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// Progress: a live line on a terminal, plain event lines otherwise (both on stderr, so that
// stdout carries only the result).
class ConsoleProgress : public ProgressListener {
 public:
  ConsoleProgress() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
  void OnStatus(const api::MigrationStatus& s) override {
    if (!tty_) return;
    int64_t tables = 0, synced = 0, rows = 0, bytes = 0;
    for (const auto& d : s.databases) {
      tables += d.tablesTotal;
      synced += d.tablesSynced;
      rows += d.rowsCopied;
      bytes += d.bytesCopied;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r\033[K%s  databases %s  tables %lld/%lld  rows %lld  %.1f MiB  %.0fs",
                 s.phase.c_str(), s.progress.c_str(), static_cast<long long>(synced),
                 static_cast<long long>(tables), static_cast<long long>(rows), bytes / 1048576.0,
                 secs);
  }
  void OnEvent(const std::string& reason, const std::string& message, bool warning) override {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "%s[%6.1fs] %s%s: %s\n", tty_ ? "\r\033[K" : "", secs,
                 warning ? "warning " : "", reason.c_str(), message.c_str());
  }
  void Finish() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

void PrintStatusTable(const api::MigrationStatus& s, const std::vector<GeneratedPassword>& pw,
                      bool show_passwords) {
  if (!s.roles.empty()) {
    TextTable roles({"ROLE", "STATUS", "PASSWORD", "ERROR"});
    for (const auto& r : s.roles) {
      std::string p = "-";
      for (const auto& g : pw)
        if (g.role == r.rolname) p = show_passwords ? g.password : "<hidden>";
      roles.AddRow({r.rolname, r.status, p, r.error.value_or("")});
    }
    roles.Print(stdout);
    std::printf("\n");
  }
  TextTable t({"DATABASE", "STATUS", "METHOD", "TABLES", "ROWS", "LAG", "ERROR"});
  for (const auto& d : s.databases)
    t.AddRow({d.dbname, d.status, d.method,
              std::to_string(d.tablesSynced) + "/" + std::to_string(d.tablesTotal),
              std::to_string(d.rowsCopied), std::to_string(d.lagBytes), d.error.value_or("null")});
  t.Print(stdout);
  for (const auto& d : s.databases)
    for (const auto& w : d.warnings) std::printf("warning: database \"%s\": %s\n", d.dbname.c_str(), w.c_str());
  for (const auto& d : s.databases) {
    if (!d.verification) continue;
    const api::Verification& v = *d.verification;
    std::printf("verification: database \"%s\": %s %s (%lld tables, %lld rows on the source)\n", d.dbname.c_str(),
                v.mode.c_str(), v.result.c_str(), static_cast<long long>(v.tables), static_cast<long long>(v.rows));
    for (const auto& m : v.mismatches) std::printf("  differs: %s\n", m.c_str());
    if (v.differing > static_cast<int64_t>(v.mismatches.size()))
      std::printf("  ... and %lld more (pgferry verify lists them all)\n",
                  static_cast<long long>(v.differing - static_cast<int64_t>(v.mismatches.size())));
  }
  std::printf("\n");
  TextTable total({"STATUS", "METHOD", "ERROR"});
  total.AddRow({s.phase, s.method, s.error.value_or("null")});
  total.Print(stdout);
}

}  // namespace

int RunMigrate(const std::vector<std::string>& args) {
  auto cl = ParseCommandLine(args, {"output", "report-file"}, {"show-passwords"}, true);
  if (!cl.ok()) {
    std::cerr << "pgferry migrate: " << cl.status().message() << "\n";
    return kExitUsage;
  }
  Loaded l;
  if (int rc = Load("migrate", *cl, &l); rc != kExitOk) return rc;
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  pg::LibpqConnector connector;
  ConsoleProgress progress;
  api::MigrationStatus status;
  EngineOptions opts;
  opts.connector = &connector;
  opts.endpoints = l.endpoints;
  opts.migration_id = l.migration_id;
  opts.generation = l.manifest.migration.metadata.generation;
  opts.listener = &progress;
  opts.stop = &g_stop;
  MigrationEngine engine(l.manifest.migration.spec, opts, &status);
  RunOutcome outcome = engine.Run();
  progress.Finish();

  if (!cl->Flag("report-file").empty()) {
    nlohmann::json report = {{"status", api::StatusToJson(status)}};
    nlohmann::json pw = nlohmann::json::object();
    for (const auto& g : engine.passwords()) pw[g.role] = g.password;
    report["generatedPasswords"] = pw;
    std::ofstream f(cl->Flag("report-file"));
    f << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!f) std::cerr << "pgferry migrate: cannot write " << cl->Flag("report-file") << "\n";
  }
  if (cl->Flag("output") == "json") {
    std::cout << api::StatusToJson(status).dump(2, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    if (outcome == RunOutcome::kValidationFailed) {
      for (const auto& e : engine.preflight().errors) std::printf("error: %s\n", e.c_str());
      if (engine.preflight().errors.empty() && status.error)
        std::printf("error: %s\n", status.error->c_str());
      std::printf("\nvalidation failed: nothing was written\n");
    } else {
      PrintStatusTable(status, engine.passwords(), cl->Has("show-passwords"));
      std::vector<std::string> syncing;
      for (const auto& d : status.databases)
        if (d.status == api::kDbSyncing ||
            (d.status == api::kDbRunning && d.method == api::kMethodReplication))
          syncing.push_back(d.dbname);
      if (!syncing.empty()) {
        std::printf(
            "\nreplication keeps running for %zu database(s). To cut over, set "
            "spec.replication.cutover: true and run pgferry migrate again; to stop "
            "replication and drop its objects, run pgferry cleanup with the same files.\n",
            syncing.size());
      }
    }
  }
  switch (outcome) {
    case RunOutcome::kDone:
      return kExitOk;
    case RunOutcome::kValidationFailed:
      return kExitValidation;
    case RunOutcome::kStopped:
      std::cerr << "pgferry migrate: stopped; run it again to continue\n";
      return kExitFailed;
    case RunOutcome::kDatabaseFailed:
      return kExitFailed;
  }
  return kExitFailed;
}

int RunCleanup(const std::vector<std::string>& args) {
  auto cl = ParseCommandLine(args, {}, {}, true);
  if (!cl.ok()) {
    std::cerr << "pgferry cleanup: " << cl.status().message() << "\n";
    return kExitUsage;
  }
  Loaded l;
  if (int rc = Load("cleanup", *cl, &l); rc != kExitOk) return rc;
  pg::LibpqConnector connector;
  api::MigrationStatus status;
  EngineOptions opts;
  opts.connector = &connector;
  opts.endpoints = l.endpoints;
  opts.migration_id = l.migration_id;
  MigrationEngine engine(l.manifest.migration.spec, opts, &status);
  std::vector<std::string> report;
  Status st = engine.Cleanup(&report);
  for (const auto& line : report) std::printf("%s\n", line.c_str());
  if (report.empty()) std::printf("nothing to clean up\n");
  if (!st.ok()) {
    std::fprintf(stderr, "pgferry cleanup: %s\n", st.message().c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace pgferry::cli
