// LockWaitWatch: says why pgferry is not moving when one of its sessions waits for a lock.
//
// pgferry's statements take ordinary locks: the checks read every source table's size, pg_dump
// locks every table it dumps, a copy reads each table, the schema restore alters them. When
// another session holds a conflicting lock (an ALTER TABLE in an open transaction, a LOCK TABLE,
// a long VACUUM FULL), PostgreSQL makes pgferry wait, silently, for as long as it takes. While a
// LockWaitWatch lives, a thread looks at both servers every `interval` for the sessions of this
// run that have waited at least `min_wait` for a lock:
//   - those with application pgferry, pgferry/pg_dump or pgferry/pg_restore connected as the
//     endpoint's user; once SetScope has named the run's databases, only those in them and in
//     the endpoint's own database (another run by the same user elsewhere is not this one);
//   - the workers of the run's subscriptions (SetScope), found in pg_stat_subscription, which
//     wait behind a destination lock while the run waits for sync.
// Each is reported with what it waits for and who blocks it (pg_blocking_pids: the holders, and
// sessions queued ahead of it): process id, user, application, state and how long its
// transaction has been open, never the holder's query text (it may hold a password). The same
// wait is reported again every `repeat_every` while it lasts.
//
// The watch opens its own session to a server only at its first look (min_wait after it
// starts), so short runs never connect; a server it cannot reach or query (one older than 9.6
// has no pg_blocking_pids) is tried at the next look, and left alone after three failed looks
// in a row. It only reads pg_stat_activity, pg_locks and pg_stat_subscription, which any user
// may.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/pg/session.h"

namespace pgferry {

struct LockWaitWatchOptions {
  std::chrono::milliseconds min_wait{5000};        // report waits at least this long
  std::chrono::milliseconds interval{2500};        // between looks, after the first one
  std::chrono::milliseconds repeat_every{60000};   // report a wait that goes on again after this
};

class LockWaitWatch {
 public:
  // `servers`: a label ("source", "destination") and the parameters of the bootstrap database.
  // `report` gets one message per wait, from the watch's thread.
  LockWaitWatch(pg::Connector& connector,
                std::vector<std::pair<std::string, pg::ConnParams>> servers,
                std::function<void(const std::string&)> report, LockWaitWatchOptions options = {});
  ~LockWaitWatch();
  LockWaitWatch(const LockWaitWatch&) = delete;
  LockWaitWatch& operator=(const LockWaitWatch&) = delete;

  // Narrows pgferry's sessions to `databases` (plus each endpoint's own database) and adds the
  // workers of `subscriptions` (by subscription name). Callable from any thread; the next look
  // uses it.
  void SetScope(std::vector<std::string> databases, std::vector<std::string> subscriptions);

 private:
  struct Server {
    std::string label;
    pg::ConnParams params;
    std::unique_ptr<pg::Session> session;                         // bootstrap database
    std::map<std::string, std::unique_ptr<pg::Session>> by_db;    // to name relations
    std::string lock_waits_sql;  // engine_sql.h LockWaitsSql for this server's version, built once
    int failures = 0;  // looks in a row that could not connect or query; at kMaxFailures it is left alone
  };
  static constexpr int kMaxFailures = 3;
  void Look(Server& server);
  std::string RelationName(Server& server, const std::string& db, const std::string& oid);
  pg::Session* SessionFor(Server& server, const std::string& db);

  pg::Connector& connector_;
  std::vector<Server> servers_;
  std::function<void(const std::string&)> report_;
  LockWaitWatchOptions options_;
  // When each wait (server, waiting process, lock) was last reported.
  std::map<std::string, std::chrono::steady_clock::time_point> reported_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool done_ = false;              // guarded by mu_
  std::vector<std::string> databases_, subscriptions_;  // SetScope, guarded by mu_
  pg::Session* busy_ = nullptr;    // the session the thread is using, guarded by mu_
  std::thread thread_;
};

}  // namespace pgferry
