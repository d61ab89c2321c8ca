#include "operator/controller/pgmigration_reconciler.h"

#include "operator/controller/finalizer.h"
#include "operator/controller/role_passwords_secret.h"
#include "operator/controller/secret_references.h"
#include "operator/controller/status_writer.h"
#include "operator/runtime/object_key.h"
#include "reconcilers/api/migration_json.h"
#include "reconcilers/names.h"
#include "reconcilers/status_summary.h"

namespace pgferry::controller {
namespace {

using Json = nlohmann::json;
using runtime::LogValue;

// Reasons pgferry itself puts on Ready/Reconciling/Stalled outside an engine run; a later visit
// that is past them recomputes the conditions from the databases.
bool OperatorReason(const api::MigrationStatus& s) {
  for (const auto& c : s.conditions)
    if (c.type == "Reconciling" && (c.reason == "Suspended" || c.reason == "SecretNotFound" ||
                                    c.reason == "InvalidSecret" || c.reason == "InvalidSpec"))
      return true;
  return false;
}

}  // namespace

PgMigrationReconciler::PgMigrationReconciler(ReconcilerDeps deps, ReconcilerOptions options)
    : deps_(std::move(deps)), options_(options) {}

void PgMigrationReconciler::SetEnqueue(Enqueue enqueue) {
  std::lock_guard<std::mutex> lock(*enqueue_mu_);
  *enqueue_ = std::move(enqueue);
}

std::shared_ptr<PgMigrationReconciler::Record> PgMigrationReconciler::RecordFor(
    const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& r = records_[key];
  if (!r) r = std::make_shared<Record>();
  return r;
}

void PgMigrationReconciler::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.erase(key);
}

runtime::ReconcileResult PgMigrationReconciler::Reconcile(const std::string& key) {
  Debug("Reconciling key=" + LogValue(key));
  std::optional<Json> object = deps_.migrations->Get(key);
  if (!object) {
    std::shared_ptr<Record> rec;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = records_.find(key);
      if (it != records_.end()) rec = it->second;
    }
    if (rec && rec->job && !rec->job->finished()) StopJob(*rec, "the PgMigration is gone", key);
    if (rec && rec->endpoints) RemoveCaFiles(*rec->endpoints);  // nothing connects for it any more
    Forget(key);
    runtime::ObjectName n = runtime::SplitObjectKey(key);
    if (deps_.metrics) deps_.metrics->Remove(n.ns, n.name);
    Debug("PgMigration is gone key=" + LogValue(key));
    return Outcome::Done();
  }
  std::shared_ptr<Record> rec = RecordFor(key);
  auto parsed = api::PgMigrationFromJson(*object);
  if (!parsed.ok()) {
    // The CRD's schema keeps such objects out; one written around it cannot be acted on.
    const Json& meta = (*object)["metadata"];
    if (meta.contains("deletionTimestamp")) {
      auto r = RemoveFinalizer(*deps_.client, *object, api::kFinalizer);
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return Outcome::Retry(r.status());
      return Outcome::Done();
    }
    int64_t gen = meta.value("generation", int64_t{0});
    api::MigrationStatus s = rec->have_status ? rec->status : StatusOf(*object);
    const std::string& msg = parsed.status().message();
    s.observedGeneration = gen;
    SetCondition(&s, "Ready", false, "InvalidSpec", msg, gen);
    SetCondition(&s, "Reconciling", false, "InvalidSpec", msg, gen);
    SetCondition(&s, "Stalled", true, "InvalidSpec", msg, gen);
    rec->status = s;
    rec->have_status = true;
    auto w = WriteStatusIfChanged(*deps_.client, *object, s);
    if (!w.ok()) return Outcome::Retry(w.status());
    return Outcome::Terminal(parsed.status());
  }
  api::PgMigration m = std::move(*parsed);
  if (!rec->have_status) {
    rec->status = m.status;
    rec->have_status = true;
  }
  if (!m.metadata.deletionTimestamp.empty()) return ReconcileDeletion(key, *object, m, *rec);
  return ReconcileLive(key, std::move(*object), m, *rec);
}

runtime::ReconcileResult PgMigrationReconciler::ReconcileLive(const std::string& key, Json live,
                                                              const api::PgMigration& m,
                                                              Record& rec) {
  const int64_t gen = m.metadata.generation;
  Absorb(live, m, rec);
  if (!HasFinalizer(live, api::kFinalizer)) {
    auto r = AddFinalizer(*deps_.client, live, api::kFinalizer);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) return Outcome::Done();
      return Outcome::Retry(r.status().Prefixed("adding the finalizer"));
    }
    live = std::move(*r);
  }

  if (m.spec.suspend) {
    bool running = rec.job && !rec.job->finished();
    if (running && !rec.job->stop_requested()) StopJob(rec, "spec.suspend is true", key);
    bool already = false;
    for (const auto& c : rec.status.conditions)
      already = already || (c.type == "Reconciling" && c.reason == "Suspended");
    rec.status.observedGeneration = gen;
    SetCondition(&rec.status, "Reconciling", false, "Suspended",
                 "spec.suspend is true: pgferry starts no new work", gen);
    SetCondition(&rec.status, "Stalled", false, "Suspended", "", gen);
    if (!already)
      Event(live, rec, gen, "Suspended", "spec.suspend is true: migration work stopped", false);
    return Finish(live, m, rec,
                  running ? Outcome::RequeueAfter(options_.observe_interval) : Outcome::Done());
  }

  auto endpoints = Resolve(m);
  if (!endpoints.ok()) {
    const std::string& msg = endpoints.status().message();
    const char* reason =
        endpoints.status().code() == StatusCode::kNotFound ? "SecretNotFound" : "InvalidSecret";
    rec.status.observedGeneration = gen;
    SetCondition(&rec.status, "Ready", false, reason, msg, gen);
    SetCondition(&rec.status, "Reconciling", false, reason, msg, gen);
    SetCondition(&rec.status, "Stalled", true, reason, msg, gen);
    Event(live, rec, gen, reason, msg, true);
    return Finish(live, m, rec, Outcome::RequeueAfter(options_.secret_retry));
  }
  rec.endpoints = *endpoints;

  if (rec.job) {  // still running: Absorb drops finished migrate jobs
    if (!rec.job->stop_requested()) {
      if (rec.job->generation() != gen) {
        StopJob(rec, "the spec changed (generation " + std::to_string(gen) + ")", key);
      } else if (rec.job->credentials_hash() != endpoints->credentials_hash) {
        StopJob(rec, "the credentials changed", key);
      }
    }
    return Finish(live, m, rec,
                  Outcome::RequeueAfter(rec.job->stop_requested() ? options_.notify_delay
                                                                  : options_.observe_interval));
  }

  if (OperatorReason(rec.status)) SummarizeStatus(m.spec, gen, &rec.status);
  NextRun next = DecideNextRun(rec.previous, rec.status, gen, endpoints->credentials_hash,
                               options_.rerun, std::chrono::steady_clock::now());
  switch (next.when) {
    case NextRun::When::kNow:
      StartJob(key, m, rec, JobKind::kMigrate, *endpoints, next.refresh);
      LogAt(next.refresh,  // refreshes are routine
            "Queued the migration engine key=" + LogValue(key) +
                " generation=" + std::to_string(gen) + " reason=" + LogValue(next.why));
      if (rec.status.conditions.empty() || rec.status.phase == api::kPhasePending) {
        const std::string msg = "waiting for a free migration worker";
        rec.status.observedGeneration = gen;
        SetCondition(&rec.status, "Ready", false, "Pending", msg, gen);
        SetCondition(&rec.status, "Reconciling", true, "Pending", msg, gen);
        SetCondition(&rec.status, "Stalled", false, "Pending", "", gen);
      }
      return Finish(live, m, rec, Outcome::RequeueAfter(options_.observe_interval));
    case NextRun::When::kLater:
      return Finish(live, m, rec, Outcome::RequeueAfter(next.after));
    case NextRun::When::kNever:
      break;
  }
  return Finish(live, m, rec, Outcome::Done());
}

runtime::ReconcileResult PgMigrationReconciler::Finish(const Json& live, const api::PgMigration& m,
                                                       Record& rec, Outcome result) {
  if (!rec.unsaved_passwords.empty() && m.metadata.deletionTimestamp.empty()) {
    Status st = StoreRolePasswords(*deps_.client, live, rec.unsaved_passwords);
    if (!st.ok()) return Outcome::Retry(st.Prefixed("storing generated role passwords"));
    Log("Stored generated role passwords key=" +
        LogValue(m.metadata.namespace_ + "/" + m.metadata.name) +
        " secret=" + LogValue(RolePasswordsSecretName(m.metadata.name)) +
        " roles=" + std::to_string(rec.unsaved_passwords.size()));
    rec.unsaved_passwords.clear();
  }
  auto w = WriteStatusIfChanged(*deps_.client, live, rec.status);
  if (!w.ok()) return Outcome::Retry(w.status());
  if (*w)
    Debug("Wrote status key=" + LogValue(m.metadata.namespace_ + "/" + m.metadata.name) +
          " phase=" + rec.status.phase +
          " observedGeneration=" + std::to_string(rec.status.observedGeneration));
  if (deps_.metrics) deps_.metrics->Update(m.metadata.namespace_, m.metadata.name, rec.status);
  return result;
}

void PgMigrationReconciler::Absorb(const Json& live, const api::PgMigration& m, Record& rec) {
  if (!rec.job || rec.job->kind() != JobKind::kMigrate) return;
  std::shared_ptr<MigrationJob> job = rec.job;
  JobView v = job->Take();
  for (const auto& e : v.events)
    Event(live, rec, job->generation(), e.reason, e.message, e.warning);
  bool finished = v.state == JobState::kFinished;
  // A refresh only publishes where it ended, and nothing when it was stopped half-way.
  bool refresh_done = finished && v.outcome != RunOutcome::kStopped;
  if (v.status_changed && !v.cancelled && (!job->refresh() || refresh_done)) {
    api::MigrationStatus next = std::move(v.status);
    KeepTransitionTimes(rec.status, &next);
    MergeRoles(rec.status, &next);
    std::string before = rec.status.phase;
    rec.status = std::move(next);
    if (rec.status.phase != before) PhaseEvent(live, rec, job->generation());
  }
  if (!finished) return;
  PreviousRun p;
  p.generation = job->generation();
  p.credentials_hash = job->credentials_hash();
  p.outcome = v.cancelled ? RunOutcome::kStopped : v.outcome;
  p.replication_running = ReplicationRunning(rec.status);
  p.finished_at = job->finished_at();
  rec.previous = p;
  for (auto& pw : v.passwords) rec.unsaved_passwords.push_back(std::move(pw));
  static const char* kOutcome[] = {"done", "database-failed", "validation-failed", "stopped"};
  LogAt(job->refresh() && p.outcome == RunOutcome::kDone,
        "Migration engine finished key=" + LogValue(m.metadata.namespace_ + "/" + m.metadata.name) +
            " outcome=" + kOutcome[static_cast<int>(p.outcome)] + " phase=" + rec.status.phase +
            " progress=" + rec.status.progress);
  rec.job.reset();
}

// The engine reports steps; these say where the whole migration got to.
void PgMigrationReconciler::PhaseEvent(const Json& live, Record& rec, int64_t generation) {
  const api::MigrationStatus& s = rec.status;
  if (s.phase == api::kPhaseSyncing) {
    Event(live, rec, generation, "Syncing",
          s.progress + " database(s) copied; logical replication keeps them in sync (lag " +
              std::to_string(s.lagBytes) + " bytes)",
          false);
  } else if (s.phase == api::kPhaseCuttingOver) {
    Event(live, rec, generation, "CuttingOver",
          "replication caught up: syncing sequences and dropping replication objects", false);
  } else if (s.phase == api::kPhaseDone) {
    Event(live, rec, generation, "Completed", "migration done: " + s.progress + " database(s)",
          false);
  }
}

void PgMigrationReconciler::StartJob(const std::string& key, const api::PgMigration& m, Record& rec,
                                     JobKind kind, const ResolvedEndpoints& endpoints,
                                     bool refresh) {
  JobParams p;
  p.kind = kind;
  p.spec = m.spec;
  p.endpoints = endpoints.endpoints;
  p.migration_id = MigrationShortId(!m.metadata.uid.empty() ? m.metadata.uid : key);
  p.generation = m.metadata.generation;
  p.seed = rec.status;
  p.seed.roles.clear();  // the engine appends every role again; MergeRoles puts them together
  p.credentials_hash = endpoints.credentials_hash;
  p.refresh = refresh;
  p.connector = deps_.connector;
  p.poll_interval = options_.engine_poll_interval;
  p.sync_timeout = m.spec.replication.cutover ? std::chrono::seconds(0) : options_.sync_wait;
  auto mu = enqueue_mu_;
  auto enqueue = enqueue_;
  auto delay = options_.notify_delay;
  p.on_change = [mu, enqueue, key, delay] {
    std::lock_guard<std::mutex> lock(*mu);
    if (*enqueue) (*enqueue)(key, delay);
  };
  rec.job = std::make_shared<MigrationJob>(std::move(p));
  rec.ever_started = true;
  deps_.runner->Submit(rec.job, /*urgent=*/kind == JobKind::kCleanup);
}

pgferry::Result<ResolvedEndpoints> PgMigrationReconciler::Resolve(const api::PgMigration& m) {
  std::set<std::string> wanted = ReferencedSecretNames(m.spec);
  std::vector<api::Secret> secrets;
  for (const auto& object : deps_.secrets->ListNamespace(m.metadata.namespace_)) {
    if (wanted.count(object["metadata"].value("name", "")) == 0) continue;
    auto s = SecretFromApiObject(object);
    if (!s.ok()) return s.status();
    secrets.push_back(std::move(*s));
  }
  return ResolveEndpoints(
      m.spec, secrets, m.metadata.namespace_,
      MigrationShortId(!m.metadata.uid.empty() ? m.metadata.uid
                                               : m.metadata.namespace_ + "/" + m.metadata.name));
}

void PgMigrationReconciler::StopJob(Record& rec, const std::string& why, const std::string& key) {
  if (!rec.job) return;
  Log("Stopping the migration engine key=" + LogValue(key) + " reason=" + LogValue(why));
  rec.job->RequestStop();
  deps_.runner->Withdraw(rec.job);
}

void PgMigrationReconciler::Event(const Json& live, Record& rec, int64_t generation,
                                  const std::string& reason, const std::string& message,
                                  bool warning) {
  if (rec.events_generation != generation) {
    rec.events_seen.clear();
    rec.events_generation = generation;
  }
  if (!rec.events_seen.insert(reason + "\n" + message).second) return;
  const Json& meta = live["metadata"];
  Json involved = {{"apiVersion", live.value("apiVersion", api::kApiVersion)},
                   {"kind", live.value("kind", api::kKind)},
                   {"metadata",
                    {{"name", meta.value("name", "")},
                     {"namespace", meta.value("namespace", "")},
                     {"uid", meta.value("uid", "")}}}};
  Status st = deps_.events->Record(
      involved, warning ? kube::EventType::kWarning : kube::EventType::kNormal, reason, message);
  if (!st.ok())
    Log("Failed to record event reason=" + reason + " error=" + LogValue(st.ToString()));
}

void PgMigrationReconciler::Log(const std::string& line) const {
  if (deps_.log) deps_.log(line);
}

void PgMigrationReconciler::Debug(const std::string& line) const {
  if (deps_.debug) deps_.debug(line);
}

void PgMigrationReconciler::LogAt(bool debug, const std::string& line) const {
  if (debug) {
    Debug(line);
  } else {
    Log(line);
  }
}

}  // namespace pgferry::controller
