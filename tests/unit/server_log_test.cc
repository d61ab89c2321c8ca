// SubscriptionError on pieces of a PostgreSQL 15 log (stderr format, the default
// log_line_prefix '%m [%p] '). The real server: ReplicationTest.ASubscriptionErrorIsQuotedFromTheDestinationLog
// and ReplicationTest.ATableCopyTheSubscriptionCannotMakeIsQuotedFromTheDestinationLog.
#include "reconcilers/server_log.h"

#include <gtest/gtest.h>

namespace pgferry {
namespace {

const char* kPrefix = "2026-12-08 00:40:00.130 UTC [1234] ";

std::string Report(const std::string& prefix, const std::string& error, const std::string& context) {
  return prefix + "ERROR:  " + error + "\n" + prefix + "DETAIL:  Key (id)=(501) already exists.\n" + prefix +
         "CONTEXT:  " + context + "\n";
}

TEST(SubscriptionError, TheErrorOfTheReportThatNamesTheOriginWithTheChange) {
  std::string log =
      "2026-12-08 00:39:59.000 UTC [1234] LOG:  logical replication apply worker for subscription \"pgferry_x\" has started\n" +
      Report(kPrefix, "duplicate key value violates unique constraint \"customers_pkey\"",
             "processing remote data for replication origin \"pg_16400\" during message type \"INSERT\" for "
             "replication target relation \"public.customers\" in transaction 740, finished at 0/1A3B6C8") +
      "2026-12-08 00:40:00.135 UTC [99] LOG:  background worker \"logical replication worker\" (PID 1234) exited with "
      "exit code 1\n";
  EXPECT_EQ(SubscriptionError(log, {"16400", "pgferry_x", {}}),
            "duplicate key value violates unique constraint \"customers_pkey\" (applying INSERT to public.customers)");
  EXPECT_EQ(SubscriptionError(log, {"1640", "pgferry_x", {}}), "") << "another subscription's origin";
  EXPECT_EQ(SubscriptionError("", {"16400", "pgferry_x", {}}), "");
}

TEST(SubscriptionError, TheLastReportWinsAndOtherProcessesLinesAreSkipped) {
  const std::string context =
      "processing remote data for replication origin \"pg_16400\" during message type \"UPDATE\" for replication "
      "target relation \"public.t\" in transaction 9";
  std::string first = Report("2026-12-08 00:40:00.130 UTC [1234] ", "old reason", context);
  // The second report's lines with another process's ERROR between them.
  const std::string p2 = "2026-12-08 00:40:05.500 UTC [1300] ";
  std::string second = p2 + "ERROR:  new reason\n" +
                       "2026-12-08 00:40:05.501 UTC [77] ERROR:  relation \"x\" does not exist\n" + p2 +
                       "CONTEXT:  " + context + "\n";
  EXPECT_EQ(SubscriptionError(first + second, {"16400", "pgferry_x", {}}), "new reason (applying UPDATE to public.t)");
}

// A table sync worker applies what arrived during its table's copy under origin
// pg_<subscription oid>_<table oid>; another subscription's oid that merely starts the same is not it.
TEST(SubscriptionError, ATableSyncWorkersErrorCounts) {
  std::string log = Report(kPrefix, "duplicate key value violates unique constraint \"t_pkey\"",
                           "processing remote data for replication origin \"pg_16400_16384\" during message type "
                           "\"INSERT\" for replication target relation \"public.t\" in transaction 741");
  EXPECT_EQ(SubscriptionError(log, {"16400", "pgferry_x", {}}),
            "duplicate key value violates unique constraint \"t_pkey\" (applying INSERT to public.t)");
  EXPECT_EQ(SubscriptionError(log, {"1640", "pgferry_x", {}}), "");
  EXPECT_EQ(SubscriptionError(log, {"164001", "pgferry_x", {}}), "");
}

TEST(SubscriptionError, HostileRelationNamesAndChangesWithoutARelation) {
  std::string log = Report(kPrefix, "null value in column \"c\" violates not-null constraint",
                           "processing remote data for replication origin \"pg_5\" during message type \"INSERT\" for "
                           "replication target relation \"public.N\u00ebw \"T.x\" column \"c\" in transaction 5");
  EXPECT_EQ(SubscriptionError(log, {"5", "pgferry_x", {}}),
            "null value in column \"c\" violates not-null constraint (applying INSERT to public.N\u00ebw \"T.x)");
  log = Report(kPrefix, "could not commit", "processing remote data for replication origin \"pg_5\" during message type "
                                            "\"COMMIT\" in transaction 5, finished at 0/1");
  EXPECT_EQ(SubscriptionError(log, {"5", "pgferry_x", {}}), "could not commit (applying COMMIT)");
}

// A table sync worker's copy: the report's CONTEXT names the table (bare) and the row, the
// worker's start line the subscription; the ERROR line is quoted, with the table's schema.
TEST(SubscriptionError, ATableSyncWorkersCopyErrorNamesItsTable) {
  const std::string started =
      "2026-12-08 04:42:58.951 UTC [12826] LOG:  logical replication table synchronization worker for "
      "subscription \"pgferry_x\", table \"Mi x\" has started\n";
  const std::string p = "2026-12-08 04:42:58.965 UTC [12826] ";
  const std::string report = p + "ERROR:  new row for relation \"Mi x\" violates check constraint \"positive\"\n" + p +
                             "DETAIL:  Failing row contains (1, 0).\n" + p + "CONTEXT:  COPY Mi x, line 1: \"1\t0\"\n";
  const std::string exited = "2026-12-08 04:42:58.967 UTC [99] LOG:  background worker \"logical replication worker\" "
                             "(PID 12826) exited with exit code 1\n";
  SubscriptionInLog sub{"16400", "pgferry_x", {{"public", "Mi x"}, {"public", "other"}}};
  EXPECT_EQ(SubscriptionError(started + report + exited, sub),
            "new row for relation \"Mi x\" violates check constraint \"positive\" (copying public.Mi x)");
  // Two tables of that name: the log's bare name.
  sub.tables.emplace_back("sales", "Mi x");
  EXPECT_EQ(SubscriptionError(started + report, sub),
            "new row for relation \"Mi x\" violates check constraint \"positive\" (copying Mi x)");
  // Another subscription's worker, or a copy with no start line of ours before it: not ours.
  EXPECT_EQ(SubscriptionError(started + report, {"16400", "pgferry_y", {}}), "");
  EXPECT_EQ(SubscriptionError(report + started, sub), "");
  // A table whose name starts the same is not it.
  const std::string other = p + "ERROR:  boom\n" + p + "CONTEXT:  COPY Mi xy, line 1: \"1\"\n";
  EXPECT_EQ(SubscriptionError(started + other, sub), "");
}

// The last report wins, whichever worker wrote it.
TEST(SubscriptionError, AnApplyErrorAfterACopyErrorWins) {
  const std::string started =
      "2026-12-08 04:42:58.951 UTC [12826] LOG:  logical replication table synchronization worker for "
      "subscription \"pgferry_x\", table \"t\" has started\n";
  const std::string p = "2026-12-08 04:42:58.965 UTC [12826] ";
  const std::string copy = p + "ERROR:  copy reason\n" + p + "CONTEXT:  COPY t, line 7: \"7\"\n";
  const std::string apply =
      Report("2026-12-08 04:43:00.000 UTC [12900] ", "apply reason",
             "processing remote data for replication origin \"pg_16400\" during message type \"INSERT\" for "
             "replication target relation \"public.t\" in transaction 9");
  SubscriptionInLog sub{"16400", "pgferry_x", {{"public", "t"}}};
  EXPECT_EQ(SubscriptionError(started + copy + apply, sub), "apply reason (applying INSERT to public.t)");
  EXPECT_EQ(SubscriptionError(apply + started + copy, sub), "copy reason (copying public.t)");
}

// A sync worker that cannot read its table on the source: PostgreSQL's message names the
// table with its schema and quotes the source's error.
TEST(SubscriptionError, ASyncWorkerThatCannotReadTheSourceTable) {
  const std::string log =
      "2026-12-08 04:42:58.951 UTC [12826] LOG:  logical replication table synchronization worker for "
      "subscription \"pgferry_x\", table \"t.x\" has started\n"
      "2026-12-08 04:42:58.960 UTC [12826] ERROR:  could not start initial contents copy for table \"s.t.x\": "
      "ERROR:  permission denied for table t.x\n";
  SubscriptionInLog sub{"16400", "pgferry_x", {{"s", "t.x"}}};
  EXPECT_EQ(SubscriptionError(log, sub),
            "could not start initial contents copy for table \"s.t.x\": ERROR:  permission denied for table t.x");
  EXPECT_EQ(SubscriptionError(log, {"16400", "pgferry_y", {}}), "");
}

// csvlog and jsonlog, as a PostgreSQL 15 server wrote them for a table sync worker whose copy
// failed (log_destination = 'csvlog,jsonlog'): the same quote as from the stderr format.
const char* kCsvLog =
    "ng row contains (0, 0).\",,,,\"COPY t, line 9\",,,,\"\",\"logical replication worker\",,0\n"  // cut mid-record
    "2026-12-08 06:07:12.343 UTC,,,14078,,6b179e90.36fe,1,,2026-12-08 06:07:12 UTC,3/7,0,LOG,00000,\"logical "
    "replication apply worker for subscription \"\"pgferry_x\"\" has started\",,,,,,,,,\"\",\"logical replication "
    "worker\",,0\n"
    "2026-12-08 06:07:12.355 UTC,,,14081,,6b179e90.3701,1,,2026-12-08 06:07:12 UTC,4/2,0,LOG,00000,\"logical "
    "replication table synchronization worker for subscription \"\"pgferry_x\"\", table \"\"Mi x\"\" has "
    "started\",,,,,,,,,\"\",\"logical replication worker\",,0\n"
    "2026-12-08 06:07:12.370 UTC,,,14081,,6b179e90.3701,2,,2026-12-08 06:07:12 UTC,4/0,0,ERROR,23514,\"new row for "
    "relation \"\"Mi x\"\" violates check constraint \"\"Mi x_qty_check\"\"\",\"Failing row contains (1,\n"
    "0).\",,,,\"COPY Mi x, line 1: \"\"1\t0\"\"\",,,,\"\",\"logical replication worker\",,0\n"
    "2026-12-08 06:07:12.375 UTC,,,14061,,6b179e90.36ed,6,,2026-12-08 06:07:12 UTC,,0,LOG,00000,\"background worker "
    "\"\"logical replication worker\"\" (PID 14081) exited with exit code 1\",,,,,,,,,\"\",\"postmaster\",,0\n";

const char* kJsonLog =
    "rror_severity\":\"ERROR\",\"message\":\"cut\"}\n"  // cut mid-record
    "{\"timestamp\":\"2026-12-08 06:07:12.355 UTC\",\"pid\":14081,\"session_id\":\"6b179e90.3701\",\"line_num\":1,"
    "\"error_severity\":\"LOG\",\"message\":\"logical replication table synchronization worker for subscription "
    "\\\"pgferry_x\\\", table \\\"Mi x\\\" has started\",\"backend_type\":\"logical replication worker\"}\n"
    "{\"timestamp\":\"2026-12-08 06:07:12.370 UTC\",\"pid\":14081,\"session_id\":\"6b179e90.3701\",\"line_num\":2,"
    "\"error_severity\":\"ERROR\",\"state_code\":\"23514\",\"message\":\"new row for relation \\\"Mi x\\\" violates "
    "check constraint \\\"Mi x_qty_check\\\"\",\"detail\":\"Failing row contains (1, 0).\",\"context\":\"COPY Mi x, "
    "line 1: \\\"1\\t0\\\"\",\"backend_type\":\"logical replication worker\"}\n";

TEST(LogAsStderr, CsvAndJsonLogsGiveTheSameQuote) {
  SubscriptionInLog sub{"16400", "pgferry_x", {{"public", "Mi x"}}};
  const std::string quote = "new row for relation \"Mi x\" violates check constraint \"Mi x_qty_check\" (copying public.Mi x)";
  EXPECT_EQ(SubscriptionError(LogAsStderr(kCsvLog, "csvlog"), sub), quote) << LogAsStderr(kCsvLog, "csvlog");
  EXPECT_EQ(SubscriptionError(LogAsStderr(kJsonLog, "jsonlog"), sub), quote) << LogAsStderr(kJsonLog, "jsonlog");
  // Neither DETAIL nor the row in CONTEXT reaches the quote; the stderr lines keep the context.
  const std::string lines = LogAsStderr(kCsvLog, "csvlog");
  EXPECT_EQ(lines.find("Failing row"), std::string::npos) << lines;
  EXPECT_NE(lines.find("2026-12-08 06:07:12.370 UTC [14081] CONTEXT:  COPY Mi x, line 1: \"1\t0\"\n"), std::string::npos)
      << lines;
  EXPECT_EQ(lines.find("cut"), std::string::npos) << "the record cut at the piece's start is left out: " << lines;
}

TEST(LogAsStderr, AnApplyErrorFromCsvLogAndOtherFormatsAsTheyAre) {
  const std::string csv =
      "2026-12-08 00:40:00.130 UTC,,,1234,,6b1.4d2,2,,2026-12-08 00:39:59 UTC,4/0,740,ERROR,23505,\"duplicate key value "
      "violates unique constraint \"\"customers_pkey\"\"\",\"Key (id)=(501) already exists.\",,,,\"processing remote "
      "data for replication origin \"\"pg_16400\"\" during message type \"\"INSERT\"\" for replication target relation "
      "\"\"public.customers\"\" in transaction 740, finished at 0/1A3B6C8\",,,,\"\",\"logical replication worker\",,0\n";
  EXPECT_EQ(SubscriptionError(LogAsStderr(csv, "csvlog"), {"16400", "pgferry_x", {}}),
            "duplicate key value violates unique constraint \"customers_pkey\" (applying INSERT to public.customers)");
  EXPECT_EQ(LogAsStderr("as it is\n", "stderr"), "as it is\n");
  EXPECT_EQ(LogAsStderr("as it is\n", ""), "as it is\n");
  EXPECT_EQ(LogAsStderr("", "csvlog"), "");
  EXPECT_EQ(LogAsStderr("no record starts here", "csvlog"), "");
}

}  // namespace
}  // namespace pgferry
