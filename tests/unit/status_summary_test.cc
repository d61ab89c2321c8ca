// Unit tests for the status summary and conditions (reconcilers/status_summary.h).
#include "reconcilers/status_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgferry {
namespace {

using ::testing::IsEmpty;

constexpr const char* kLongAgo = "2001-02-03T04:05:06Z";

api::DatabaseStatus Db(const std::string& name, const std::string& method,
                       const std::string& status, int64_t lag = 0) {
  api::DatabaseStatus d;
  d.dbname = name;
  d.method = method;
  d.status = status;
  d.lagBytes = lag;
  return d;
}

const api::Condition* Find(const api::MigrationStatus& s, const std::string& type) {
  for (const auto& c : s.conditions)
    if (c.type == type) return &c;
  return nullptr;
}

// "True"/"False" of a condition, "absent" when it is not there.
std::string Value(const api::MigrationStatus& s, const std::string& type) {
  const api::Condition* c = Find(s, type);
  return c ? c->status : "absent";
}

std::string Reason(const api::MigrationStatus& s, const std::string& type) {
  const api::Condition* c = Find(s, type);
  return c ? c->reason : "absent";
}

class SummarizeStatusTest : public ::testing::Test {
 protected:
  SummarizeStatusTest() { status_.phase = api::kPhaseRunning; }
  void Summarize(int64_t generation = 1) { SummarizeStatus(spec_, generation, &status_); }

  api::MigrationSpec spec_;
  api::MigrationStatus status_;
};

// ---- phase ----

TEST_F(SummarizeStatusTest, EveryDatabaseDoneIsDone) {
  status_.databases = {Db("app", api::kMethodDump, api::kDbDone),
                       Db("billing", api::kMethodDump, api::kDbDone)};
  status_.error = "stale error from an earlier run";
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseDone);
  EXPECT_EQ(status_.progress, "2/2");
  EXPECT_EQ(status_.method, api::kMethodDump);
  EXPECT_FALSE(status_.error);
  EXPECT_FALSE(status_.completionTime.empty());

  EXPECT_EQ(Value(status_, "Ready"), "True");
  EXPECT_EQ(Reason(status_, "Ready"), "Done");
  EXPECT_EQ(Find(status_, "Ready")->message, "migration done");
  EXPECT_EQ(Value(status_, "Reconciling"), "False");
  EXPECT_EQ(Value(status_, "Stalled"), "False");
  EXPECT_EQ(Reason(status_, "Stalled"), "Progressing");
  EXPECT_EQ(Value(status_, "InSync"), "absent");  // nothing replicated
}

TEST_F(SummarizeStatusTest, CompletionTimeIsWrittenOnce) {
  status_.databases = {Db("app", api::kMethodDump, api::kDbDone)};
  status_.completionTime = kLongAgo;
  Summarize();
  EXPECT_EQ(status_.completionTime, kLongAgo);
}

TEST_F(SummarizeStatusTest, EveryDatabaseSyncingOrDoneIsSyncing) {
  spec_.replication.maxLagBytes = 1024;
  status_.databases = {Db("app", api::kMethodReplication, api::kDbSyncing),
                       Db("billing", api::kMethodReplication, api::kDbDone)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseSyncing);
  EXPECT_EQ(status_.progress, "2/2");
  EXPECT_EQ(status_.method, api::kMethodReplication);
  EXPECT_TRUE(status_.completionTime.empty());

  EXPECT_EQ(Value(status_, "Ready"), "True");
  EXPECT_EQ(Reason(status_, "Ready"), "InSync");
  EXPECT_EQ(Find(status_, "Ready")->message, "migration in sync");
  EXPECT_EQ(Value(status_, "Reconciling"), "False");
  EXPECT_EQ(Value(status_, "Stalled"), "False");
  EXPECT_EQ(Value(status_, "InSync"), "True");
  EXPECT_EQ(Reason(status_, "InSync"), "AllTablesReady");
  EXPECT_EQ(Find(status_, "InSync")->message,
            "every replicated database has all tables ready and lag <= 1024 bytes");
}

TEST_F(SummarizeStatusTest, CuttingOverIsNotTurnedBackIntoSyncing) {
  status_.phase = api::kPhaseCuttingOver;
  status_.databases = {Db("app", api::kMethodReplication, api::kDbSyncing)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseCuttingOver);
  EXPECT_EQ(Value(status_, "Ready"), "False");
  EXPECT_EQ(Reason(status_, "Ready"), "CuttingOver");
  EXPECT_EQ(Value(status_, "Reconciling"), "True");
}

TEST_F(SummarizeStatusTest, CuttingOverBecomesDoneWhenEveryDatabaseIsDone) {
  status_.phase = api::kPhaseCuttingOver;
  status_.databases = {Db("app", api::kMethodReplication, api::kDbDone)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseDone);
}

TEST_F(SummarizeStatusTest, WorkInProgressKeepsThePhase) {
  status_.databases = {Db("app", api::kMethodDump, api::kDbRunning),
                       Db("billing", api::kMethodDump, api::kDbDone)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseRunning);
  EXPECT_EQ(status_.progress, "1/2");
  EXPECT_FALSE(status_.error);
  EXPECT_TRUE(status_.completionTime.empty());

  EXPECT_EQ(Value(status_, "Ready"), "False");
  EXPECT_EQ(Reason(status_, "Ready"), "Running");
  EXPECT_EQ(Find(status_, "Ready")->message, "phase Running, 1/2 databases done or syncing");
  EXPECT_EQ(Value(status_, "Reconciling"), "True");
  EXPECT_EQ(Reason(status_, "Reconciling"), "Running");
  EXPECT_EQ(Find(status_, "Reconciling")->message, "phase Running");
  EXPECT_EQ(Value(status_, "Stalled"), "False");
}

TEST_F(SummarizeStatusTest, FailedOnlyOnceEveryDatabaseHasSettled) {
  api::DatabaseStatus bad = Db("app", api::kMethodDump, api::kDbFailed);
  bad.error = "could not copy public.orders: disk full";
  status_.databases = {bad, Db("billing", api::kMethodDump, api::kDbRunning)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseRunning);
  EXPECT_EQ(status_.progress, "0/2");
  EXPECT_EQ(status_.error, "database \"app\" failed: could not copy public.orders: disk full");
  EXPECT_EQ(Value(status_, "Stalled"), "False");
  EXPECT_EQ(Value(status_, "Reconciling"), "True");
  EXPECT_TRUE(status_.completionTime.empty());

  status_.databases[1].status = api::kDbDone;
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseFailed);
  EXPECT_EQ(status_.progress, "1/2");
  EXPECT_EQ(status_.error, "database \"app\" failed: could not copy public.orders: disk full");
  EXPECT_FALSE(status_.completionTime.empty());
  EXPECT_EQ(Value(status_, "Ready"), "False");
  EXPECT_EQ(Reason(status_, "Ready"), "Failed");
  EXPECT_EQ(Value(status_, "Reconciling"), "False");
  EXPECT_EQ(Value(status_, "Stalled"), "True");
  EXPECT_EQ(Reason(status_, "Stalled"), "Failed");
  EXPECT_EQ(Find(status_, "Stalled")->message,
            "database \"app\" failed: could not copy public.orders: disk full");
}

TEST_F(SummarizeStatusTest, SyncingAndFailedIsFailed) {
  status_.databases = {Db("app", api::kMethodReplication, api::kDbSyncing),
                       Db("billing", api::kMethodReplication, api::kDbFailed)};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseFailed);
  EXPECT_EQ(Value(status_, "Ready"), "False");
}

TEST_F(SummarizeStatusTest, ErrorNamesTheFirstFailedDatabase) {
  api::DatabaseStatus b = Db("b", api::kMethodDump, api::kDbFailed);
  b.error = "first";
  api::DatabaseStatus c = Db("c", api::kMethodDump, api::kDbFailed);
  c.error = "second";
  status_.databases = {Db("a", api::kMethodDump, api::kDbDone), b, c};
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseFailed);
  EXPECT_EQ(status_.error, "database \"b\" failed: first");
}

TEST_F(SummarizeStatusTest, ValidatingIsLeftToValidation) {
  status_.phase = api::kPhaseValidating;
  status_.databases = {Db("app", api::kMethodDump, api::kDbDone)};  // from an earlier run
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseValidating);
  EXPECT_EQ(status_.progress, "1/1");
  EXPECT_EQ(Value(status_, "Reconciling"), "True");
  EXPECT_EQ(Reason(status_, "Reconciling"), "Validating");
}

TEST_F(SummarizeStatusTest, FailedValidationWithoutDatabasesKeepsItsError) {
  status_.phase = api::kPhaseFailed;
  status_.error = "Migrating to the same server is not supported";
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseFailed);
  EXPECT_EQ(status_.progress, "0/0");
  EXPECT_EQ(status_.error, "Migrating to the same server is not supported");
  EXPECT_FALSE(status_.completionTime.empty());
  EXPECT_EQ(Value(status_, "Stalled"), "True");
  EXPECT_EQ(Find(status_, "Stalled")->message, "Migrating to the same server is not supported");
  EXPECT_EQ(Value(status_, "Ready"), "False");
  EXPECT_EQ(Value(status_, "Reconciling"), "False");
}

TEST_F(SummarizeStatusTest, NoDatabasesYetIsNotDone) {
  Summarize();
  EXPECT_EQ(status_.phase, api::kPhaseRunning);
  EXPECT_EQ(status_.progress, "0/0");
  EXPECT_EQ(status_.method, "");
}

// ---- method, lag ----

TEST_F(SummarizeStatusTest, MixedMethodsLeaveTheMethodEmpty) {
  status_.databases = {Db("app", api::kMethodReplication, api::kDbSyncing),
                       Db("billing", api::kMethodDump, api::kDbDone)};
  Summarize();
  EXPECT_EQ(status_.method, "");
  EXPECT_EQ(status_.phase, api::kPhaseSyncing);
}

TEST_F(SummarizeStatusTest, UndecidedDatabasesDoNotCountAsAMethod) {
  status_.databases = {Db("app", api::kMethodSchemaOnly, api::kDbDone),
                       Db("billing", "", api::kDbPending)};
  Summarize();
  EXPECT_EQ(status_.method, api::kMethodSchemaOnly);
}

TEST_F(SummarizeStatusTest, LagIsTheLargestAmongDatabases) {
  status_.databases = {Db("a", api::kMethodReplication, api::kDbRunning, 100),
                       Db("b", api::kMethodReplication, api::kDbRunning, 7000),
                       Db("c", api::kMethodReplication, api::kDbSyncing, 0)};
  Summarize();
  EXPECT_EQ(status_.lagBytes, 7000);
  EXPECT_EQ(Value(status_, "InSync"), "False");
  EXPECT_EQ(Reason(status_, "InSync"), "CatchingUp");
  EXPECT_EQ(Find(status_, "InSync")->message, "replication catching up, lag 7000 bytes");
}

// InSync False said only the lag, also when something else held a database back.
TEST_F(SummarizeStatusTest, InSyncFalseSaysWhatHoldsADatabaseBack) {
  status_.databases = {Db("a", api::kMethodReplication, api::kDbSyncing, 0),
                       Db("b", api::kMethodReplication, api::kDbRunning, 300),
                       Db("c", api::kMethodReplication, api::kDbRunning, 100)};
  status_.databases[1].warnings = {"unlogged tables public.cache write no WAL",
                                   "column public.t.c is on the source only (added after the schema was copied; ...)"};
  status_.databases[2].error = "the subscription fails to apply changes (...)";
  Summarize();
  EXPECT_EQ(Find(status_, "InSync")->message,
            "replication catching up, lag 300 bytes; database \"b\": column public.t.c is on the source only (added "
            "after the schema was copied; ...)");
  status_.databases[1].warnings.pop_back();
  Summarize();
  EXPECT_EQ(Find(status_, "InSync")->message,
            "replication catching up, lag 300 bytes; database \"c\": the subscription fails to apply changes (...)");
}

TEST_F(SummarizeStatusTest, InSyncTurnsTrueWhenEveryReplicatedDatabaseSyncs) {
  status_.databases = {Db("a", api::kMethodReplication, api::kDbRunning, 500),
                       Db("b", api::kMethodDump, api::kDbDone)};
  Summarize();
  EXPECT_EQ(Value(status_, "InSync"), "False");
  status_.databases[0].status = api::kDbSyncing;
  status_.databases[0].lagBytes = 0;
  Summarize();
  EXPECT_EQ(Value(status_, "InSync"), "True");
  EXPECT_EQ(status_.lagBytes, 0);
}

// ---- generations and transition times ----

TEST_F(SummarizeStatusTest, ObservedGenerationOnStatusAndConditions) {
  status_.databases = {Db("app", api::kMethodReplication, api::kDbSyncing)};
  Summarize(7);
  EXPECT_EQ(status_.observedGeneration, 7);
  ASSERT_THAT(status_.conditions, ::testing::SizeIs(4));
  for (const auto& c : status_.conditions) EXPECT_EQ(c.observedGeneration, 7) << c.type;
  Summarize(8);
  for (const auto& c : status_.conditions) EXPECT_EQ(c.observedGeneration, 8) << c.type;
}

TEST_F(SummarizeStatusTest, TransitionTimeIsKeptWhileTheValueHolds) {
  status_.databases = {Db("app", api::kMethodDump, api::kDbRunning)};
  status_.conditions = {{"Ready", "False", "Pending", "old", kLongAgo, 1},
                        {"Reconciling", "False", "Pending", "old", kLongAgo, 1}};
  Summarize(2);
  const api::Condition* ready = Find(status_, "Ready");
  EXPECT_EQ(ready->lastTransitionTime, kLongAgo);  // still False
  EXPECT_EQ(ready->reason, "Running");             // but reason and message are refreshed
  EXPECT_EQ(ready->observedGeneration, 2);
  const api::Condition* reconciling = Find(status_, "Reconciling");
  EXPECT_EQ(reconciling->status, "True");
  EXPECT_NE(reconciling->lastTransitionTime, kLongAgo);
  EXPECT_FALSE(reconciling->lastTransitionTime.empty());
}

TEST(SetCondition, AddsANewCondition) {
  api::MigrationStatus s;
  s.observedGeneration = 4;
  SetCondition(&s, "Validated", true, "PrecheckPassed", "both servers passed the checks");
  ASSERT_EQ(s.conditions.size(), 1u);
  const api::Condition& c = s.conditions[0];
  EXPECT_EQ(c.type, "Validated");
  EXPECT_EQ(c.status, "True");
  EXPECT_EQ(c.reason, "PrecheckPassed");
  EXPECT_EQ(c.message, "both servers passed the checks");
  EXPECT_EQ(c.observedGeneration, 4);  // the status's generation by default
  EXPECT_THAT(c.lastTransitionTime,
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
}

TEST(SetCondition, UpdatesInPlaceKeepingTheTimeWhenTheValueHolds) {
  api::MigrationStatus s;
  s.conditions = {{"Validated", "False", "PrecheckFailed", "a", kLongAgo, 1},
                  {"Ready", "False", "Running", "r", kLongAgo, 1}};
  SetCondition(&s, "Validated", false, "ConnectionFailed", "b", 3);
  ASSERT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.conditions[0],
            (api::Condition{"Validated", "False", "ConnectionFailed", "b", kLongAgo, 3}));
  EXPECT_EQ(s.conditions[1].observedGeneration, 1);  // others untouched
}

TEST(SetCondition, NewTimeWhenTheValueChanges) {
  api::MigrationStatus s;
  s.conditions = {{"Validated", "False", "PrecheckFailed", "a", kLongAgo, 1}};
  SetCondition(&s, "Validated", true, "PrecheckPassed", "ok", 2);
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(s.conditions[0].status, "True");
  EXPECT_NE(s.conditions[0].lastTransitionTime, kLongAgo);
  EXPECT_EQ(s.conditions[0].observedGeneration, 2);
}

}  // namespace
}  // namespace pgferry
