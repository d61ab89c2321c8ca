// SubscriptionApplyError on pieces of a PostgreSQL 15 log (stderr format, the default
// log_line_prefix '%m [%p] '). The real server: ReplicationTest.ASubscriptionErrorIsQuotedFromTheDestinationLog.
#include "reconcilers/server_log.h"

#include <gtest/gtest.h>

namespace pgferry {
namespace {

const char* kPrefix = "2026-12-08 00:40:00.130 UTC [1234] ";

std::string Report(const std::string& prefix, const std::string& error, const std::string& context) {
  return prefix + "ERROR:  " + error + "\n" + prefix + "DETAIL:  Key (id)=(501) already exists.\n" + prefix +
         "CONTEXT:  " + context + "\n";
}

TEST(SubscriptionApplyError, TheErrorOfTheReportThatNamesTheOriginWithTheChange) {
  std::string log =
      "2026-12-08 00:39:59.000 UTC [1234] LOG:  logical replication apply worker for subscription \"pgferry_x\" has started\n" +
      Report(kPrefix, "duplicate key value violates unique constraint \"customers_pkey\"",
             "processing remote data for replication origin \"pg_16400\" during message type \"INSERT\" for "
             "replication target relation \"public.customers\" in transaction 740, finished at 0/1A3B6C8") +
      "2026-12-08 00:40:00.135 UTC [99] LOG:  background worker \"logical replication worker\" (PID 1234) exited with "
      "exit code 1\n";
  EXPECT_EQ(SubscriptionApplyError(log, "16400"),
            "duplicate key value violates unique constraint \"customers_pkey\" (applying INSERT to public.customers)");
  EXPECT_EQ(SubscriptionApplyError(log, "1640"), "") << "another subscription's origin";
  EXPECT_EQ(SubscriptionApplyError("", "16400"), "");
}

TEST(SubscriptionApplyError, TheLastReportWinsAndOtherProcessesLinesAreSkipped) {
  const std::string context =
      "processing remote data for replication origin \"pg_16400\" during message type \"UPDATE\" for replication "
      "target relation \"public.t\" in transaction 9";
  std::string first = Report("2026-12-08 00:40:00.130 UTC [1234] ", "old reason", context);
  // The second report's lines with another process's ERROR between them.
  const std::string p2 = "2026-12-08 00:40:05.500 UTC [1300] ";
  std::string second = p2 + "ERROR:  new reason\n" +
                       "2026-12-08 00:40:05.501 UTC [77] ERROR:  relation \"x\" does not exist\n" + p2 +
                       "CONTEXT:  " + context + "\n";
  EXPECT_EQ(SubscriptionApplyError(first + second, "16400"), "new reason (applying UPDATE to public.t)");
}

// A table sync worker applies what arrived during its table's copy under origin
// pg_<subscription oid>_<table oid>; another subscription's oid that merely starts the same is not it.
TEST(SubscriptionApplyError, ATableSyncWorkersErrorCounts) {
  std::string log = Report(kPrefix, "duplicate key value violates unique constraint \"t_pkey\"",
                           "processing remote data for replication origin \"pg_16400_16384\" during message type "
                           "\"INSERT\" for replication target relation \"public.t\" in transaction 741");
  EXPECT_EQ(SubscriptionApplyError(log, "16400"),
            "duplicate key value violates unique constraint \"t_pkey\" (applying INSERT to public.t)");
  EXPECT_EQ(SubscriptionApplyError(log, "1640"), "");
  EXPECT_EQ(SubscriptionApplyError(log, "164001"), "");
}

TEST(SubscriptionApplyError, HostileRelationNamesAndChangesWithoutARelation) {
  std::string log = Report(kPrefix, "null value in column \"c\" violates not-null constraint",
                           "processing remote data for replication origin \"pg_5\" during message type \"INSERT\" for "
                           "replication target relation \"public.N\u00ebw \"T.x\" column \"c\" in transaction 5");
  EXPECT_EQ(SubscriptionApplyError(log, "5"),
            "null value in column \"c\" violates not-null constraint (applying INSERT to public.N\u00ebw \"T.x)");
  log = Report(kPrefix, "could not commit", "processing remote data for replication origin \"pg_5\" during message type "
                                            "\"COMMIT\" in transaction 5, finished at 0/1");
  EXPECT_EQ(SubscriptionApplyError(log, "5"), "could not commit (applying COMMIT)");
}

}  // namespace
}  // namespace pgferry
