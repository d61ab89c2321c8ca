// `pgferry check -f FILE... [-o text|json]`: read-only validation of both servers, and the
// method each database would use.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "operator/cli/command_line.h"
#include "operator/cli/commands.h"
#include "operator/cli/endpoints.h"
#include "operator/cli/text_table.h"
#include "operator/pg/libpq_session.h"
#include "reconcilers/probe.h"

namespace pgferry::cli {
namespace {

nlohmann::json ServerJson(const ServerInventory& s, const std::string& endpoint) {
  return {{"endpoint", endpoint},
          {"version", s.version},
          {"user", s.user},
          {"superuser", s.is_superuser},
          {"replication", s.can_replicate},
          {"walLevel", s.wal_level},
          {"maxReplicationSlots", s.max_replication_slots},
          {"usedReplicationSlots", s.used_replication_slots},
          {"maxWalSenders", s.max_wal_senders},
          {"usedWalSenders", s.used_wal_senders}};
}

nlohmann::json ReportJson(const PreflightInput& in, const PreflightReport& r) {
  nlohmann::json dbs = nlohmann::json::array();
  for (const auto& d : r.databases) {
    nlohmann::json j = {{"dbname", d.dbname},
                        {"method", d.method},
                        {"tables", d.tables.size()},
                        {"existsOnDestination", d.exists_on_destination}};
    j["reason"] = d.reason ? nlohmann::json(*d.reason) : nlohmann::json(nullptr);
    j["error"] = d.error ? nlohmann::json(*d.error) : nlohmann::json(nullptr);
    j["warnings"] = d.warnings;
    dbs.push_back(std::move(j));
  }
  return {{"ok", r.ok()},
          {"errors", r.errors},
          {"warnings", r.warnings},
          {"source", ServerJson(in.source, in.source_endpoint)},
          {"destination", ServerJson(in.destination, in.destination_endpoint)},
          {"databases", dbs}};
}

void PrintText(const PreflightInput& in, const PreflightReport& r) {
  auto server = [](const char* label, const ServerInventory& s, const std::string& ep) {
    std::printf("%-12s %s  PostgreSQL %s  user %s%s%s  wal_level=%s  slots %d/%d\n", label,
                ep.c_str(), s.major_name().c_str(), s.user.c_str(),
                s.is_superuser ? " (superuser)" : "",
                !s.is_superuser && s.can_replicate ? " (REPLICATION)" : "", s.wal_level.c_str(),
                s.used_replication_slots, s.max_replication_slots);
  };
  server("source", in.source, in.source_endpoint);
  server("destination", in.destination, in.destination_endpoint);
  std::printf("\n");
  TextTable t({"DATABASE", "METHOD", "TABLES", "NOTE"});
  for (const auto& d : r.databases) {
    std::string note = d.error ? "error: " + *d.error : d.reason ? *d.reason : "";
    for (const auto& w : d.warnings)
      note += (note.empty() ? "" : "; ") + std::string("warning: ") + w;
    t.AddRow({d.dbname, d.error ? "-" : d.method, d.error ? "-" : std::to_string(d.tables.size()),
              note});
  }
  t.Print(stdout);
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  for (const auto& e : r.errors) std::printf("error: %s\n", e.c_str());
  size_t failed = 0;
  for (const auto& d : r.databases) failed += d.error ? 1 : 0;
  if (r.ok())
    std::printf("\ncheck passed: %zu database(s) can be migrated\n", r.databases.size());
  else
    std::printf("\ncheck failed: %zu error(s), %zu database(s) cannot be migrated\n",
                r.errors.size(), failed);
}

}  // namespace

int RunCheck(const std::vector<std::string>& args) {
  auto cl = ParseCommandLine(args, {"output"}, {}, true);
  if (!cl.ok()) {
    std::cerr << "pgferry check: " << cl.status().message() << "\n";
    return kExitUsage;
  }
  Loaded l;
  if (int rc = Load("check", *cl, &l); rc != kExitOk) return rc;
  const bool json = cl->Flag("output", "text") == "json";
  pg::LibpqConnector connector;
  auto in = ProbeOrReport("check", connector, l, json);
  if (!in) return kExitValidation;
  PreflightReport report = RunPreflight(*in);
  if (json)
    std::cout
        << ReportJson(*in, report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  else
    PrintText(*in, report);
  return report.ok() ? kExitOk : kExitValidation;
}

}  // namespace pgferry::cli
