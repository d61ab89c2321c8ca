// Replication objects through Aiven's aiven_extras extension or plain SQL.
//
// A non-superuser may not create a FOR ALL TABLES publication (nor one over tables it does not
// own), nor create, alter or drop subscriptions (PostgreSQL 15). When the database has the
// aiven_extras extension, its SECURITY DEFINER functions do that for the user, as
// aiven-db-migrate uses them:
//   publication   aiven_extras.pg_create_publication_for_all_tables(name, publish)
//                 aiven_extras.pg_create_publication(name, publish, VARIADIC tables)
//   subscription  aiven_extras.pg_create_subscription(name, conninfo, publication, slot,
//                                                     slot_create, copy_data)
//                 aiven_extras.pg_alter_subscription_disable(name), then
//                 aiven_extras.pg_drop_subscription(name) (disables, detaches, drops; the real
//                 extension also drops the slot on the source)
//                 aiven_extras.pg_list_all_subscriptions()
//                 aiven_extras.pg_alter_subscription_refresh_publication(name, copy_data)
// The replication slot needs REPLICATION on the source either way: aiven_extras has no
// function that creates one for a user without it. Publications created through aiven_extras
// are handed to the session user, who drops them with plain DROP PUBLICATION.
//
// Each function takes the session to run on and whether to go through aiven_extras
// (UseAivenExtras). Stateless; one session per call, on the caller's thread.
#pragma once

#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/session.h"

namespace pgferry::aiven_extras {

// True when the session's database has aiven_extras and the session user is not a superuser
// (for `subscriptions`: nor, on PostgreSQL 16+, a member of pg_create_subscription).
Result<bool> UseAivenExtras(pg::Session& s, bool subscriptions);

// The publication over all tables (`tables` == nullptr) or over the listed schema-qualified
// tables (unquoted schema and name pairs), published as the partitioned tables above them.
struct TableRef {
  std::string schema, name;
};
Status CreatePublication(pg::Session& s, bool extras, const std::string& name,
                         const std::vector<TableRef>* tables);

// As aiven-db-migrate does on the destination: where the user may not create subscriptions
// and aiven_extras is available but not installed in this database, try CREATE EXTENSION (an
// allowlist such as pgextwlist may permit it). A refusal is no error: the caller then finds
// the extension missing.
void InstallForSubscriptions(pg::Session& d);

// An enabled subscription on an existing slot, without an initial copy.
Status CreateSubscription(pg::Session& d, bool extras, const std::string& name,
                          const std::string& conninfo, const std::string& publication,
                          const std::string& slot);

// ALTER SUBSCRIPTION ... REFRESH PUBLICATION WITH (copy_data = true): the subscription takes
// the publication's tables as they are now, copying the added ones (a table sync worker each).
Status RefreshSubscription(pg::Session& d, bool extras, const std::string& name);

// Disables, detaches from its slot and drops the subscription. The slot stays on the source
// (plain SQL) or is dropped there (real aiven_extras); callers drop it when it is still there.
Status DropSubscription(pg::Session& d, bool extras, const std::string& name);

// Names of this database's subscriptions starting with `prefix`.
Result<std::vector<std::string>> ListSubscriptions(pg::Session& d, bool extras,
                                                   const std::string& prefix);

}  // namespace pgferry::aiven_extras
