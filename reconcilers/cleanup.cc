// MigrationEngine::Cleanup: drops everything this migration created, found by name prefix so
// that it also finds objects of databases no longer selected. Destination first (so no
// subscription keeps a slot busy), then the source's slots and publications.
#include <thread>

#include "operator/pg/sqlstate.h"
#include "reconcilers/aiven_extras.h"
#include "reconcilers/engine_sql.h"
#include "reconcilers/migration_engine.h"
#include "reconcilers/names.h"

namespace pgferry {
namespace {

std::vector<std::string> ConnectableDatabases(pg::Session& s) {
  std::vector<std::string> out;
  auto r = s.Query("SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1");
  if (r.ok())
    for (size_t i = 0; i < r->size(); ++i) out.push_back(r->Get(i, 0));
  return out;
}

}  // namespace

Status MigrationEngine::Cleanup(std::vector<std::string>* report) {
  const std::string prefix = ReplicationObjectPrefix(options_.migration_id);
  Status result;
  auto& conn = *options_.connector;
  auto src_boot = conn.Connect(options_.endpoints.source);
  const bool source_up = src_boot.ok();
  std::vector<std::string> detached_slots;

  auto dst_boot = conn.Connect(options_.endpoints.destination);
  if (!dst_boot.ok()) {
    result = dst_boot.status().Prefixed("destination");
    report->push_back("cannot reach the destination: " + dst_boot.status().message());
  } else {
    for (const auto& db : ConnectableDatabases(**dst_boot)) {
      auto s = conn.Connect(options_.endpoints.destination.WithDatabase(db));
      if (!s.ok()) continue;
      pg::Session& d = **s;
      // Subscriptions made through aiven_extras belong to its superuser: drop them through it.
      auto extras = aiven_extras::UseAivenExtras(d, true);
      bool use_extras = extras.ok() && *extras;
      auto subs = aiven_extras::ListSubscriptions(d, use_extras, prefix);
      if (subs.ok()) {
        for (const auto& name : *subs) {
          Status st = aiven_extras::DropSubscription(d, use_extras, name);
          if (st.ok()) {
            report->push_back("dropped subscription " + name + " in destination database \"" + db + "\"");
            detached_slots.push_back(name);
          } else {
            report->push_back("could not drop subscription " + name + ": " + st.message());
            result = st;
          }
        }
      }
      auto state = d.Query(sql::kStateExists);
      if (state.ok() && state->GetBool(0, 0)) {
        (void)d.Query("DELETE FROM _pgferry.state WHERE migration_id = $1", {options_.migration_id});
        auto left = d.Query("SELECT count(*) FROM _pgferry.state");
        if (left.ok() && left->GetInt(0, 0) == 0) {
          Status st = d.Exec("DROP SCHEMA _pgferry CASCADE");
          if (st.ok()) report->push_back("dropped schema _pgferry in destination database \"" + db + "\"");
        }
      }
    }
  }

  if (!source_up) {
    for (const auto& slot : detached_slots)
      report->push_back("source unreachable: replication slot " + slot +
                        " may remain on the source; drop it there with "
                        "SELECT pg_drop_replication_slot('" + slot + "')");
    report->push_back("cannot reach the source: " + src_boot.status().message());
    return src_boot.status().Prefixed("source");
  }
  pg::Session& s = **src_boot;
  auto slots = s.Query(sql::kSlotsWithPrefix, {prefix});
  if (slots.ok()) {
    for (size_t i = 0; i < slots->size(); ++i) {
      std::string name = slots->Get(i, 0);
      Status st;
      for (int attempt = 0; attempt < 100; ++attempt) {
        st = s.Query(sql::kDropSlot, {name}).status();
        if (st.ok() || st.code() == StatusCode::kNotFound) break;
        if (attempt == 30) {
          (void)s.Query("SELECT pg_catalog.pg_terminate_backend(active_pid) FROM "
                        "pg_catalog.pg_replication_slots WHERE slot_name = $1 AND active", {name});
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (st.ok()) {
        report->push_back("dropped replication slot " + name + " on the source");
      } else {
        report->push_back("could not drop replication slot " + name + ": " + st.message());
        result = st;
      }
    }
  }
  for (const auto& db : ConnectableDatabases(s)) {
    auto sd = conn.Connect(options_.endpoints.source.WithDatabase(db));
    if (!sd.ok()) continue;
    auto pubs = (*sd)->Query(sql::kPublicationsWithPrefix, {prefix});
    if (!pubs.ok()) continue;
    for (size_t i = 0; i < pubs->size(); ++i) {
      std::string name = pubs->Get(i, 0);
      Status st = (*sd)->Exec("DROP PUBLICATION IF EXISTS " + (*sd)->QuoteIdent(name));
      if (st.ok()) {
        report->push_back("dropped publication " + name + " in source database \"" + db + "\"");
      } else {
        report->push_back("could not drop publication " + name + ": " + st.message());
        result = st;
      }
    }
  }
  return result;
}

}  // namespace pgferry
