#include "reconcilers/status_summary.h"

#include <algorithm>
#include <set>

#include "reconcilers/migration_engine.h"

namespace pgferry {

void SetCondition(api::MigrationStatus* s, const std::string& type, bool value,
                  const std::string& reason, const std::string& message, int64_t generation) {
  std::string v = value ? "True" : "False";
  int64_t gen = generation >= 0 ? generation : s->observedGeneration;
  for (auto& c : s->conditions) {
    if (c.type != type) continue;
    if (c.status != v) c.lastTransitionTime = NowRfc3339();
    c.status = v;
    c.reason = reason;
    c.message = message;
    c.observedGeneration = gen;
    return;
  }
  s->conditions.push_back({type, v, reason, message, NowRfc3339(), gen});
}

void SummarizeStatus(const api::MigrationSpec& spec, int64_t generation, api::MigrationStatus* s) {
  s->observedGeneration = generation;
  size_t total = s->databases.size(), settled = 0, failed = 0, done = 0, syncing = 0, replicated = 0;
  std::set<std::string> methods;
  int64_t lag = 0;
  for (const auto& d : s->databases) {
    if (!d.method.empty()) methods.insert(d.method);
    lag = std::max(lag, d.lagBytes);
    if (d.status == api::kDbDone) ++done;
    if (d.status == api::kDbSyncing) ++syncing;
    if (d.status == api::kDbFailed) ++failed;
    if (d.method == api::kMethodReplication && d.status != api::kDbDone && d.status != api::kDbFailed)
      ++replicated;
  }
  settled = done + syncing;
  s->progress = std::to_string(settled) + "/" + std::to_string(total);
  s->lagBytes = lag;
  s->method = methods.size() == 1 ? *methods.begin() : "";
  if (s->phase == api::kPhaseValidating || (s->phase == api::kPhaseFailed && total == 0)) {
    // Validation decides these itself.
  } else if (failed > 0 && settled + failed == total) {
    s->phase = api::kPhaseFailed;
  } else if (total > 0 && done == total) {
    s->phase = api::kPhaseDone;
  } else if (total > 0 && settled == total && s->phase != api::kPhaseCuttingOver) {
    s->phase = api::kPhaseSyncing;
  }
  if (failed > 0) {
    for (const auto& d : s->databases)
      if (d.status == api::kDbFailed) {
        s->error = "database \"" + d.dbname + "\" failed: " + d.error.value_or("");
        break;
      }
  } else if (s->phase != api::kPhaseFailed) {
    s->error.reset();
  }
  bool finished = s->phase == api::kPhaseDone || s->phase == api::kPhaseFailed;
  if (finished && s->completionTime.empty()) s->completionTime = NowRfc3339();
  bool ready = s->phase == api::kPhaseDone || (s->phase == api::kPhaseSyncing && failed == 0);
  SetCondition(s, "Ready", ready, ready ? (s->phase == api::kPhaseDone ? "Done" : "InSync") : s->phase,
               ready ? "migration " + std::string(s->phase == api::kPhaseDone ? "done" : "in sync")
                     : "phase " + s->phase + ", " + s->progress + " databases done or syncing",
               generation);
  SetCondition(s, "Reconciling", !finished && !ready, s->phase, "phase " + s->phase, generation);
  SetCondition(s, "Stalled", s->phase == api::kPhaseFailed, s->phase == api::kPhaseFailed ? "Failed" : "Progressing",
               s->error.value_or(""), generation);
  if (replicated > 0 || syncing > 0) {
    bool in_sync = syncing > 0 && replicated == syncing;
    // Not in sync: say what holds the first such database back when it is known (its error,
    // e.g. a subscription that fails to apply; or a table or column on the source only, which
    // the run cannot wait for), not only the lag.
    std::string why;
    for (const auto& d : s->databases) {
      if (in_sync || d.method != api::kMethodReplication || d.status != api::kDbRunning) continue;
      if (d.error) why = *d.error;
      for (const auto& w : d.warnings)
        if (why.empty() && w.find(" on the source only (") != std::string::npos) why = w;
      if (!why.empty()) {
        why = "; database \"" + d.dbname + "\": " + why;
        break;
      }
    }
    SetCondition(s, "InSync", in_sync, in_sync ? "AllTablesReady" : "CatchingUp",
                 in_sync ? "every replicated database has all tables ready and lag <= " +
                               std::to_string(spec.replication.maxLagBytes) + " bytes"
                         : "replication catching up, lag " + std::to_string(lag) + " bytes" + why,
                 generation);
  }
}

}  // namespace pgferry
