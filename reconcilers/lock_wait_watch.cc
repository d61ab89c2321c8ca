#include "reconcilers/lock_wait_watch.h"

#include <algorithm>

#include "reconcilers/engine_sql.h"
#include "reconcilers/table_catalog.h"

namespace pgferry {
namespace {

// "45 s", "3 min 20 s", "2 h 5 min".
std::string Duration(int64_t secs) {
  if (secs < 0) secs = 0;
  if (secs < 60) return std::to_string(secs) + " s";
  if (secs < 3600)
    return std::to_string(secs / 60) + " min" + (secs % 60 ? " " + std::to_string(secs % 60) + " s" : "");
  return std::to_string(secs / 3600) + " h" + (secs % 3600 / 60 ? " " + std::to_string(secs % 3600 / 60) + " min" : "");
}

// One holder: "process 4242 (user alice, application psql, idle in transaction, transaction
// open 3 min)"; what this user may not see is left out.
std::string Holder(const pg::QueryResult& r, size_t i) {
  std::vector<std::string> parts;
  if (!r.Get(i, 8).empty()) parts.push_back("user " + r.Get(i, 8));
  if (!r.Get(i, 9).empty()) parts.push_back("application " + r.Get(i, 9));
  if (!r.Get(i, 10).empty()) parts.push_back(r.Get(i, 10));
  if (!r.Get(i, 11).empty()) parts.push_back("transaction open " + Duration(std::stoll(r.Get(i, 11))));
  std::string s = "process " + r.Get(i, 7);
  for (size_t k = 0; k < parts.size(); ++k) s += (k ? ", " : " (") + parts[k];
  return parts.empty() ? s : s + ")";
}

}  // namespace

LockWaitWatch::LockWaitWatch(pg::Connector& connector,
                             std::vector<std::pair<std::string, pg::ConnParams>> servers,
                             std::function<void(const std::string&)> report, LockWaitWatchOptions options)
    : connector_(connector), report_(std::move(report)), options_(options) {
  for (auto& [label, params] : servers) {
    Server s;
    s.label = label;
    s.params = params;
    // Its own application name, so that nothing counts the watch as one of the run's sessions,
    // and a short connect timeout: the run ends by waiting for this thread.
    s.params.application_name = "pgferry-lock-watch";
    s.params.connect_timeout_seconds = std::min(s.params.connect_timeout_seconds, 5);
    servers_.push_back(std::move(s));
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> l(mu_);
    auto next = std::chrono::steady_clock::now() + options_.min_wait;
    for (;;) {
      wake_.wait_until(l, next, [&] { return done_; });
      if (done_) return;
      l.unlock();
      for (auto& s : servers_) Look(s);
      l.lock();
      next = std::chrono::steady_clock::now() + options_.interval;
    }
  });
}

LockWaitWatch::~LockWaitWatch() {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
    if (busy_) busy_->Cancel();
  }
  wake_.notify_all();
  thread_.join();
}

void LockWaitWatch::SetScope(std::vector<std::string> databases, std::vector<std::string> subscriptions) {
  std::lock_guard<std::mutex> l(mu_);
  databases_ = std::move(databases);
  subscriptions_ = std::move(subscriptions);
}

pg::Session* LockWaitWatch::SessionFor(Server& server, const std::string& db) {
  std::unique_ptr<pg::Session>& slot = db.empty() ? server.session : server.by_db[db];
  if (!slot) {
    auto s = connector_.Connect(db.empty() ? server.params : server.params.WithDatabase(db));
    if (!s.ok()) return nullptr;
    // Never wait behind a lock itself, nor for long.
    if (!(*s)->Exec("SET lock_timeout = '1s'; SET statement_timeout = '5s'").ok()) return nullptr;
    slot = std::move(*s);
  }
  std::lock_guard<std::mutex> l(mu_);
  if (done_) return nullptr;
  busy_ = slot.get();
  return slot.get();
}

std::string LockWaitWatch::RelationName(Server& server, const std::string& db, const std::string& oid) {
  pg::Session* s = SessionFor(server, db);
  if (!s) return "relation with oid " + oid;
  auto r = s->Query(sql::kRelationForLock, {oid});
  {
    std::lock_guard<std::mutex> l(mu_);
    busy_ = nullptr;
  }
  if (!r.ok()) {
    server.by_db.erase(db);  // reconnect next time
    return "relation with oid " + oid;
  }
  if (r->empty()) return "relation with oid " + oid;
  return r->Get(0, 1) + " " + r->Get(0, 0);
}

void LockWaitWatch::Look(Server& server) {
  if (server.failures >= kMaxFailures) return;
  pg::Session* s = SessionFor(server, "");
  if (!s) {
    ++server.failures;
    return;
  }
  double min_secs = std::chrono::duration<double>(options_.min_wait).count();
  std::vector<std::string> databases, subscriptions;
  {
    std::lock_guard<std::mutex> l(mu_);
    databases = databases_;
    subscriptions = subscriptions_;
  }
  if (!databases.empty()) databases.push_back(server.params.dbname);
  if (server.lock_waits_sql.empty()) server.lock_waits_sql = sql::LockWaitsSql(s->ServerVersion());
  auto r = s->Query(server.lock_waits_sql,
                    {server.params.user, std::to_string(min_secs), TextArrayLiteral(databases),
                     TextArrayLiteral(subscriptions)});
  {
    std::lock_guard<std::mutex> l(mu_);
    busy_ = nullptr;
  }
  if (!r.ok()) {
    server.session.reset();  // gone or cancelled: connect again at the next look
    ++server.failures;
    return;
  }
  server.failures = 0;
  const auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < r->size();) {
    // The rows of one waiting process (one per holder).
    size_t end = i;
    while (end < r->size() && r->Get(end, 0) == r->Get(i, 0)) ++end;
    const std::string db = r->Get(i, 1), locktype = r->Get(i, 4), relation = r->Get(i, 5);
    const std::string key = server.label + "/" + r->Get(i, 0) + "/" + locktype + "/" + relation + "/" + r->Get(i, 6);
    auto seen = reported_.find(key);
    if (seen == reported_.end() || now - seen->second >= options_.repeat_every) {
      reported_[key] = now;
      // A relation by its name; other locks by their type (a transactionid lock: a row another
      // transaction has changed, or an index built CONCURRENTLY waiting for transactions).
      std::string what = relation.empty() || relation == "0"
                             ? r->Get(i, 6) + " (a lock of type " + locktype + ")"
                             : r->Get(i, 6) + " on " + RelationName(server, db, relation);
      std::string holders;
      for (size_t k = i; k < end; ++k)
        holders += (k == i ? "" : k + 1 == end ? " and " : ", ") + Holder(*r, k);
      const std::string app = r->Get(i, 2);
      const std::string worker = r->Get(i, 12);
      const std::string who = worker == "apply" ? "the apply worker of subscription " + app
                              : worker == "sync" ? "a table sync worker of subscription " + app
                                                 : app;
      report_(server.label + " database \"" + db + "\": " + who + " (process " + r->Get(i, 0) +
              ") has waited " + Duration(r->GetInt(i, 3)) + " for " + what + ", blocked by " + holders +
              "; it goes on once " + (end - i > 1 ? "they release it" : "that process releases it"));
    }
    i = end;
  }
}

}  // namespace pgferry
