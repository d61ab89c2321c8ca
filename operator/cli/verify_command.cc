// `pgferry verify -f FILE... [--mode counts|checksums] [-o text|json]`: compares every table the
// manifest selects on both servers, read-only, whenever asked (before a cutover with the writes
// stopped, after one, months later). The comparison is spec.verify's (reconcilers/verification.h),
// each side under one snapshot taken when its database's comparison starts.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "operator/cli/command_line.h"
#include "operator/cli/commands.h"
#include "operator/cli/endpoints.h"
#include "operator/cli/text_table.h"
#include "operator/pg/libpq_session.h"
#include "reconcilers/preflight.h"
#include "reconcilers/probe.h"
#include "reconcilers/verification.h"

namespace pgferry::cli {
namespace {

struct DatabaseResult {
  std::string dbname;
  std::optional<std::string> error;  // the comparison could not run
  VerifyOutcome outcome;
};

}  // namespace

int RunVerify(const std::vector<std::string>& args) {
  auto cl = ParseCommandLine(args, {"output", "mode"}, {}, true);
  if (!cl.ok()) {
    std::cerr << "pgferry verify: " << cl.status().message() << "\n";
    return kExitUsage;
  }
  Loaded l;
  if (int rc = Load("verify", *cl, &l); rc != kExitOk) return rc;
  const api::MigrationSpec& spec = l.manifest.migration.spec;
  const std::string mode = cl->Flag("mode", spec.verify == "none" ? "checksums" : spec.verify);
  if (mode != "counts" && mode != "checksums") {
    std::cerr << "pgferry verify: --mode: must be counts or checksums (got \"" << mode << "\")\n";
    return kExitUsage;
  }
  const bool json = cl->Flag("output", "text") == "json";
  pg::LibpqConnector connector;
  auto in = ProbeOrReport("verify", connector, l, json);
  if (!in) return kExitValidation;
  // The databases and tables the migration selects (its checks' other findings do not matter
  // to a comparison).
  PreflightReport report = RunPreflight(*in);
  std::vector<DatabaseResult> results;
  for (const auto& plan : report.databases) {
    DatabaseResult r;
    r.dbname = plan.dbname;
    if (!plan.exists_on_destination) {
      r.error = "database \"" + plan.dbname + "\" does not exist on the destination";
      results.push_back(std::move(r));
      continue;
    }
    std::vector<const TableInfo*> tables;
    // Every selected table: one the source user cannot read is a difference naming the
    // server's message, not left out of a comparison that then passes.
    for (const auto& t : plan.tables) tables.push_back(&t);
    VerifyOptions o;
    o.checksums = mode == "checksums";
    o.connector = &connector;
    o.source = l.endpoints.source.WithDatabase(plan.dbname);
    o.destination = l.endpoints.destination.WithDatabase(plan.dbname);
    o.jobs = static_cast<size_t>(std::max(1, spec.dump.jobs));
    auto got = VerifyTables(o, tables);
    if (got.ok())
      r.outcome = std::move(*got);
    else
      r.error = got.status().message();
    results.push_back(std::move(r));
  }

  size_t differ = 0, failed = 0;
  for (const auto& r : results) {
    if (r.error) ++failed;
    else if (!r.outcome.mismatches.empty()) ++differ;
  }
  const bool ok = differ == 0 && failed == 0;
  if (json) {
    nlohmann::json dbs = nlohmann::json::array();
    for (const auto& r : results) {
      nlohmann::json j = {{"dbname", r.dbname},
                          {"mode", mode},
                          {"result", r.error ? "error" : r.outcome.mismatches.empty() ? "passed" : "failed"},
                          {"tables", r.outcome.tables},
                          {"rows", r.outcome.rows},
                          {"mismatches", r.outcome.mismatches}};
      j["error"] = r.error ? nlohmann::json(*r.error) : nlohmann::json(nullptr);
      dbs.push_back(std::move(j));
    }
    std::cout << nlohmann::json({{"ok", ok}, {"databases", dbs}})
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    TextTable t({"DATABASE", "RESULT", "TABLES", "ROWS", "ERROR"});
    for (const auto& r : results)
      t.AddRow({r.dbname, r.error ? "error" : r.outcome.mismatches.empty() ? "passed" : "failed",
                std::to_string(r.outcome.tables), std::to_string(r.outcome.rows), r.error.value_or("")});
    t.Print(stdout);
    for (const auto& r : results)
      for (const auto& d : r.outcome.mismatches) std::printf("differs: database \"%s\": %s\n", r.dbname.c_str(), d.c_str());
    if (ok)
      std::printf("\nverify passed: %s match in %zu database(s)\n", mode == "checksums" ? "row counts and checksums" : "row counts",
                  results.size());
    else
      std::printf("\nverify failed: %zu database(s) differ, %zu could not be compared\n", differ, failed);
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace pgferry::cli
