#include "reconcilers/aiven_extras.h"

#include <chrono>
#include <thread>

#include "operator/pg/sqlstate.h"
#include "reconcilers/engine_sql.h"

namespace pgferry::aiven_extras {
namespace {

// Whether to go through aiven_extras: installed here, and the user lacks the privilege itself.
constexpr const char* kUseAivenExtras = R"sql(
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aiven_extras')
       AND NOT r.rolsuper
       AND NOT ($1::bool AND EXISTS (
             SELECT 1 FROM pg_catalog.pg_auth_members m
               JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
              WHERE g.rolname = 'pg_create_subscription' AND m.member = r.oid))
  FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER
)sql";

constexpr const char* kMayInstall = R"sql(
SELECT NOT r.rolsuper
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aiven_extras')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'aiven_extras')
  FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER
)sql";

constexpr const char* kPublish = "insert,update,delete,truncate";
constexpr const char* kCreatePublicationForAllTables =
    "SELECT aiven_extras.pg_create_publication_for_all_tables($1, $2)";
constexpr const char* kCreateSubscription =
    "SELECT aiven_extras.pg_create_subscription($1, $2, $3, $4, false, false)";
constexpr const char* kDisableSubscription =
    "SELECT aiven_extras.pg_alter_subscription_disable($1)";
constexpr const char* kDropSubscription = "SELECT aiven_extras.pg_drop_subscription($1)";
constexpr const char* kRefreshSubscription =
    "SELECT aiven_extras.pg_alter_subscription_refresh_publication($1, true)";
constexpr const char* kListSubscriptions = R"sql(
SELECT s.subname FROM aiven_extras.pg_list_all_subscriptions() s
 WHERE pg_catalog.starts_with(s.subname::text, $1)
   AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database
                     WHERE datname = pg_catalog.current_database())
 ORDER BY 1
)sql";

}  // namespace

Result<bool> UseAivenExtras(pg::Session& s, bool subscriptions) {
  ASSIGN_OR_RETURN(auto r, s.Query(kUseAivenExtras, {subscriptions ? "true" : "false"}));
  return !r.empty() && r.GetBool(0, 0);
}

Status CreatePublication(pg::Session& s, bool extras, const std::string& name,
                         const std::vector<TableRef>* tables) {
  std::string q = s.QuoteIdent(name);
  if (!extras) {
    std::string stmt = "CREATE PUBLICATION " + q;
    if (!tables) {
      stmt += " FOR ALL TABLES";
    } else if (!tables->empty()) {
      std::string list;
      for (const auto& t : *tables)
        list += (list.empty() ? "" : ", ") + s.QuoteIdent(t.schema) + "." + s.QuoteIdent(t.name);
      stmt += " FOR TABLE " + list;
    }
    return s.Exec(stmt + " WITH (publish_via_partition_root = true)");
  }
  Status st;
  if (!tables) {
    st = s.Query(kCreatePublicationForAllTables, {name, kPublish}).status();
  } else {
    // pg_create_publication parses each element with parse_ident: pass quoted names.
    std::string array;
    for (const auto& t : *tables)
      array += (array.empty() ? "" : ", ") +
               s.QuoteLiteral(s.QuoteIdent(t.schema) + "." + s.QuoteIdent(t.name));
    std::string call = "SELECT aiven_extras.pg_create_publication(" + s.QuoteLiteral(name) + ", " +
                       s.QuoteLiteral(kPublish);
    if (!tables->empty()) call += ", VARIADIC ARRAY[" + array + "]::text[]";
    st = s.Exec(call + ")");
  }
  RETURN_IF_ERROR(st);
  // aiven_extras hands the publication to the session user, who may set this option; without
  // it changes of partitions are published under the partitions' names, which exist on the
  // destination as well, so a refusal is not an error.
  (void)s.Exec("ALTER PUBLICATION " + q + " SET (publish_via_partition_root = true)");
  return Status::Ok();
}

void InstallForSubscriptions(pg::Session& d) {
  auto may = d.Query(kMayInstall);
  if (!may.ok() || may->empty() || !may->GetBool(0, 0)) return;
  (void)d.Exec("CREATE EXTENSION IF NOT EXISTS aiven_extras CASCADE");
}

Status CreateSubscription(pg::Session& d, bool extras, const std::string& name,
                          const std::string& conninfo, const std::string& publication,
                          const std::string& slot) {
  if (extras) return d.Query(kCreateSubscription, {name, conninfo, publication, slot}).status();
  return d.Exec("CREATE SUBSCRIPTION " + d.QuoteIdent(name) + " CONNECTION " +
                d.QuoteLiteral(conninfo) + " PUBLICATION " + d.QuoteIdent(publication) +
                " WITH (create_slot = false, slot_name = " + d.QuoteLiteral(slot) +
                ", copy_data = false, enabled = true)");
}

Status RefreshSubscription(pg::Session& d, bool extras, const std::string& name) {
  if (extras) return d.Query(kRefreshSubscription, {name}).status();
  return d.Exec("ALTER SUBSCRIPTION " + d.QuoteIdent(name) + " REFRESH PUBLICATION WITH (copy_data = true)");
}

Status DropSubscription(pg::Session& d, bool extras, const std::string& name) {
  if (!extras) {
    std::string q = d.QuoteIdent(name);
    RETURN_IF_ERROR(d.Exec("ALTER SUBSCRIPTION " + q + " DISABLE"));
    RETURN_IF_ERROR(d.Exec("ALTER SUBSCRIPTION " + q + " SET (slot_name = NONE)"));
    return d.Exec("DROP SUBSCRIPTION " + q);
  }
  RETURN_IF_ERROR(d.Query(kDisableSubscription, {name}).status());
  // The real pg_drop_subscription also drops the slot on the source, which fails (object in
  // use) while the source's WAL sender for the just-disabled subscription is still exiting: try
  // again then. Other errors (the source unreachable) are returned at once.
  Status st;
  for (int attempt = 0; attempt < 30; ++attempt) {
    st = d.Query(kDropSubscription, {name}).status();
    if (st.ok()) return st;
    auto left = d.Query(sql::kSubscription, {name});
    if (left.ok() && left->empty()) return Status::Ok();
    if (!pg::HasSqlState(st, pg::kObjectInUse)) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return st;
}

Result<std::vector<std::string>> ListSubscriptions(pg::Session& d, bool extras,
                                                   const std::string& prefix) {
  ASSIGN_OR_RETURN(auto r, d.Query(extras ? kListSubscriptions : sql::kSubscriptionsWithPrefix,
                                   {prefix}));
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.Get(i, 0));
  return out;
}

}  // namespace pgferry::aiven_extras
