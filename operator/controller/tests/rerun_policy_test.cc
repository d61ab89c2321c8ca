// The rerun table of rerun_policy.h, row by row, and the pure helpers around it.
#include "operator/controller/rerun_policy.h"

#include <gtest/gtest.h>

#include "operator/controller/secret_references.h"
#include "operator/controller/status_writer.h"

namespace pgferry::controller {
namespace {

using std::chrono::milliseconds;
using When = NextRun::When;

const auto kNow = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
const RerunPolicy kPolicy{milliseconds(15000), milliseconds(60000)};

api::MigrationStatus StatusAt(const char* phase, int64_t generation) {
  api::MigrationStatus s;
  s.phase = phase;
  s.observedGeneration = generation;
  return s;
}

PreviousRun Previous(RunOutcome outcome, bool replicating = false, int64_t generation = 1) {
  PreviousRun p;
  p.generation = generation;
  p.credentials_hash = "c1";
  p.outcome = outcome;
  p.replication_running = replicating;
  p.finished_at = kNow - milliseconds(5000);
  return p;
}

TEST(RerunPolicy, FirstVisitOfANewObjectStartsNow) {
  NextRun n = DecideNextRun(std::nullopt, StatusAt("Pending", 0), 1, "c1", kPolicy, kNow);
  EXPECT_EQ(n.when, When::kNow);
  EXPECT_FALSE(n.refresh);
}

TEST(RerunPolicy, AfterARestartDoneStaysDoneAndSyncingIsRefreshed) {
  EXPECT_EQ(DecideNextRun(std::nullopt, StatusAt("Done", 2), 2, "c1", kPolicy, kNow).when,
            When::kNever);
  NextRun n = DecideNextRun(std::nullopt, StatusAt("Syncing", 2), 2, "c1", kPolicy, kNow);
  EXPECT_EQ(n.when, When::kNow);
  EXPECT_TRUE(n.refresh);
  // Done for an older generation: the new spec must be applied.
  EXPECT_EQ(DecideNextRun(std::nullopt, StatusAt("Done", 1), 2, "c1", kPolicy, kNow).when,
            When::kNow);
  // Mid-copy when the operator stopped: resume, publishing progress.
  n = DecideNextRun(std::nullopt, StatusAt("Running", 2), 2, "c1", kPolicy, kNow);
  EXPECT_EQ(n.when, When::kNow);
  EXPECT_FALSE(n.refresh);
}

TEST(RerunPolicy, ChangedSpecOrCredentialsRunNow) {
  EXPECT_EQ(
      DecideNextRun(Previous(RunOutcome::kDone), StatusAt("Done", 1), 2, "c1", kPolicy, kNow).when,
      When::kNow);
  EXPECT_EQ(DecideNextRun(Previous(RunOutcome::kDone, true), StatusAt("Syncing", 1), 1, "c2",
                          kPolicy, kNow)
                .when,
            When::kNow);
  EXPECT_EQ(DecideNextRun(Previous(RunOutcome::kDatabaseFailed), StatusAt("Failed", 1), 1, "c2",
                          kPolicy, kNow)
                .when,
            When::kNow);
  // A rotated password does not re-run a migration that is finished.
  EXPECT_EQ(
      DecideNextRun(Previous(RunOutcome::kDone), StatusAt("Done", 1), 1, "c2", kPolicy, kNow).when,
      When::kNever);
}

TEST(RerunPolicy, ReplicationLeftRunningIsRefreshedAfterTheInterval) {
  NextRun n = DecideNextRun(Previous(RunOutcome::kDone, true), StatusAt("Syncing", 1), 1, "c1",
                            kPolicy, kNow);
  EXPECT_EQ(n.when, When::kLater);
  EXPECT_TRUE(n.refresh);
  EXPECT_NEAR(n.after.count(), 10000, 2);
  n = DecideNextRun(Previous(RunOutcome::kDone, true), StatusAt("Syncing", 1), 1, "c1", kPolicy,
                    kNow + milliseconds(10000));
  EXPECT_EQ(n.when, When::kNow);
  EXPECT_TRUE(n.refresh);
}

TEST(RerunPolicy, DoneWithoutReplicationIsNeverRerun) {
  EXPECT_EQ(
      DecideNextRun(Previous(RunOutcome::kDone, false), StatusAt("Done", 1), 1, "c1", kPolicy, kNow)
          .when,
      When::kNever);
}

TEST(RerunPolicy, FailuresAreRetriedAfterAMinuteAndStoppedRunsResumeAtOnce) {
  for (RunOutcome o : {RunOutcome::kDatabaseFailed, RunOutcome::kValidationFailed}) {
    NextRun n = DecideNextRun(Previous(o), StatusAt("Failed", 1), 1, "c1", kPolicy, kNow);
    EXPECT_EQ(n.when, When::kLater);
    EXPECT_NEAR(n.after.count(), 55000, 2);
  }
  EXPECT_EQ(
      DecideNextRun(Previous(RunOutcome::kStopped), StatusAt("Running", 1), 1, "c1", kPolicy, kNow)
          .when,
      When::kNow);
}

TEST(SecretReferences, MapsASecretToThePgMigrationsOfItsNamespaceThatUseIt) {
  nlohmann::json m1 = {{"metadata", {{"name", "m1"}, {"namespace", "a"}}},
                       {"spec",
                        {{"source",
                          {{"credentialsSecretRef", {{"name", "src"}}},
                           {"sslRootCertSecretRef", {{"name", "ca"}, {"key", "ca.crt"}}}}},
                         {"destination", {{"credentialsSecretRef", {{"name", "dst"}}}}}}}};
  nlohmann::json m2 = m1;
  m2["metadata"]["namespace"] = "b";
  EXPECT_EQ(ReferencedSecretNames(m1), (std::set<std::string>{"ca", "dst", "src"}));
  nlohmann::json secret = {{"metadata", {{"name", "ca"}, {"namespace", "a"}}}};
  EXPECT_EQ(MigrationsReferencingSecret(secret, {m1, m2}), std::vector<std::string>{"a/m1"});
  secret["metadata"]["name"] = "other";
  EXPECT_TRUE(MigrationsReferencingSecret(secret, {m1, m2}).empty());
}

TEST(SecretReferences, DecodesListItemsWithoutTypeMetaAndNeverEchoesValues) {
  auto s = SecretFromApiObject(
      {{"metadata", {{"name", "src"}, {"namespace", "a"}}}, {"data", {{"password", "czNjcmV0"}}}});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->data.at("password"), "s3cret");
  auto bad =
      SecretFromApiObject({{"metadata", {{"name", "src"}}}, {"data", {{"password", "!!s3cret"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("s3cret"), std::string::npos);
}

TEST(StatusWriter, KeepsTransitionTimesOfConditionsThatDidNotChange) {
  api::MigrationStatus before, after;
  before.conditions = {{"Ready", "True", "InSync", "", "2025-01-01T00:00:00Z", 1},
                       {"Stalled", "False", "Progressing", "", "2025-01-01T00:00:00Z", 1}};
  after.conditions = {{"Ready", "True", "InSync", "", "2025-06-01T00:00:00Z", 1},
                      {"Stalled", "True", "Failed", "", "2025-06-01T00:00:00Z", 1}};
  KeepTransitionTimes(before, &after);
  EXPECT_EQ(after.conditions[0].lastTransitionTime, "2025-01-01T00:00:00Z");
  EXPECT_EQ(after.conditions[1].lastTransitionTime, "2025-06-01T00:00:00Z");
}

}  // namespace
}  // namespace pgferry::controller
