// Reading a PostgreSQL server log (the stderr format of the logging collector) for what pgferry
// reports: the reason a subscription's apply worker keeps failing, which PostgreSQL 15 writes
// only there (pg_stat_subscription_stats counts the failures, not why).
#pragma once

#include <string>
#include <string_view>

namespace pgferry {

// The last error of the apply worker of the subscription whose oid is `subscription_oid`, from
// a piece of its server's log: the ERROR line of the last report whose CONTEXT line says
// `processing remote data for replication origin "pg_<oid>"` (or "pg_<oid>_<table oid>", a table
// sync worker catching up after its copy; the lines of one report share their
// log_line_prefix), with the change it was applying, e.g.
//   duplicate key value violates unique constraint "customers_pkey" (applying INSERT to public.customers)
// The DETAIL line (the row's values) is left out. "" when there is no such report.
std::string SubscriptionApplyError(std::string_view log, const std::string& subscription_oid);

}  // namespace pgferry
