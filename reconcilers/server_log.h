// Reading a PostgreSQL server log (the stderr format of the logging collector) for what pgferry
// reports: the reason a subscription's workers keep failing, which PostgreSQL 15 writes only
// there (pg_stat_subscription_stats counts the failures, not why).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgferry {

// How a subscription shows in its server's log.
struct SubscriptionInLog {
  std::string oid;   // its replication origins are "pg_<oid>" and "pg_<oid>_<table oid>"
  std::string name;  // its table sync workers' start lines name it
  // The tables it replicates (schema, name): the log names a table sync worker's table without
  // its schema, and the one table of that name here is named with it.
  std::vector<std::pair<std::string, std::string>> tables;
};

// The last error of one of the subscription's workers, from a piece of its server's log, or ""
// when there is none. The lines of one report share their log_line_prefix; the ERROR line is
// quoted, never the DETAIL or CONTEXT lines (a row's values), with what the worker was doing:
//   - the apply worker, or a table sync worker applying what arrived during its table's copy:
//     the report whose CONTEXT says `processing remote data for replication origin "pg_<oid>"`
//     (or "pg_<oid>_<table oid>"), e.g.
//       duplicate key value violates unique constraint "customers_pkey" (applying INSERT to public.customers)
//   - a table sync worker's copy: the report whose CONTEXT is `COPY <table>, line N...`, for a
//     table this subscription's sync workers have started on earlier in the log
//     (`logical replication table synchronization worker for subscription "<name>", table
//     "<table>" has started`), e.g.
//       new row for relation "stock" violates check constraint "positive" (copying public.stock)
//     or, for a failure to read it on the source, PostgreSQL's own
//       could not start initial contents copy for table "public.stock": ERROR:  permission denied ...
// The copy's report names no subscription: a table of the same name that another subscription
// copies, after this one's sync worker started on it, would be taken for this one's.
std::string SubscriptionError(std::string_view log, const SubscriptionInLog& subscription);

// A piece of a server log in `format` ("csvlog" or "jsonlog"; anything else is returned as it
// is) rewritten as the stderr lines SubscriptionError reads: for each report, its message line
// ("ERROR:  ...", "LOG:  ...") and one "CONTEXT:  " line per line of its context, all with the
// prefix "<log_time> [<pid>] ". DETAIL and HINT are left out. The piece may start inside a
// record (it is the file's tail): a csvlog piece is read from its first line that starts a
// record (a timestamp), and a jsonlog line that does not parse is skipped.
std::string LogAsStderr(std::string_view log, std::string_view format);

}  // namespace pgferry
