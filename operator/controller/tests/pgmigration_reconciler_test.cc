// PgMigrationReconciler against the in-memory FakeKubeClient and a PostgreSQL connector that can
// reach no server: the paths that need no database — finalizer, missing Secret, suspend, a failed
// validation, and deletion (nothing created; cleanup failing until the bound releases the
// finalizer with a Warning). The engine itself is tested against real servers elsewhere.
#include "operator/controller/pgmigration_reconciler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "operator/controller/status_writer.h"
#include "operator/kube/fake/fake_kube_client.h"

namespace pgferry::controller {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using Kind = runtime::ReconcileResult::Kind;

// Every connection fails, after `delay` (a slow network keeps the engine busy for a while).
class NoServers : public pg::Connector {
 public:
  Result<std::unique_ptr<pg::Session>> Connect(const pg::ConnParams& p) override {
    std::this_thread::sleep_for(delay);
    return Unavailable("connection to " + p.host + " refused");
  }
  std::chrono::milliseconds delay{0};
};

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest()
      : migrations_(&client_, kube::PgMigrationsResource(), {}, nullptr),
        secrets_(&client_, kube::SecretsResource(), {}, nullptr),
        runner_(2),
        recorder_(&client_) {
    migrations_.Start();
    secrets_.Start();
    EXPECT_TRUE(migrations_.WaitForSync({}, std::chrono::seconds(5)));
    EXPECT_TRUE(secrets_.WaitForSync({}, std::chrono::seconds(5)));
    ReconcilerDeps deps;
    deps.client = &client_;
    deps.migrations = &migrations_;
    deps.secrets = &secrets_;
    deps.runner = &runner_;
    deps.connector = &connector_;
    deps.events = &recorder_;
    deps.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += std::string(line) + "\n";
    };
    ReconcilerOptions o;
    o.cleanup_max_attempts = 2;
    o.cleanup_backoff = std::chrono::milliseconds(10);
    reconciler_ = std::make_unique<PgMigrationReconciler>(deps, o);
  }
  ~ReconcilerTest() override {
    runner_.Shutdown();
    migrations_.Stop();
    secrets_.Stop();
  }

  void CreateMigration(const Json& extra_spec = Json::object()) {
    Json spec = {{"source", {{"host", "src"}, {"credentialsSecretRef", {{"name", "pg"}}}}},
                 {"destination", {{"host", "dst"}, {"credentialsSecretRef", {{"name", "pg"}}}}}};
    spec.update(extra_spec);
    Json m = {{"apiVersion", "pgferry.io/v1alpha1"},
              {"kind", "PgMigration"},
              {"metadata", {{"name", "m1"}, {"namespace", "default"}}},
              {"spec", spec}};
    ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), m).ok());
    WaitForCache([](const Json& o) { return !o.is_null(); });
  }
  void CreateSecret() {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "pg"}, {"namespace", "default"}}},
              {"data", {{"username", "dQ=="}, {"password", "cHc="}}}};
    ASSERT_TRUE(client_.Create(kube::SecretsResource(), s).ok());
    for (int i = 0; i < 200 && secrets_.List().empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Waits until the informer's copy satisfies `ready` (null when the object is gone).
  void WaitForCache(const std::function<bool(const Json&)>& ready) {
    for (int i = 0; i < 400; ++i) {
      auto o = migrations_.Get("default/m1");
      if (ready(o ? *o : Json())) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "the cache never got there";
  }
  // Reconciles until `done` holds for the stored object (null when gone); the last result.
  runtime::ReconcileResult ReconcileUntil(const std::function<bool(const Json&)>& done) {
    runtime::ReconcileResult last = runtime::ReconcileResult::Done();
    for (int i = 0; i < 300; ++i) {
      last = reconciler_->Reconcile("default/m1");
      auto o = client_.Get(kube::PgMigrationsResource(), "default", "m1");
      Json object = o.ok() ? *o : Json();
      WaitForCache([&](const Json& c) {
        return object.is_null() ? c.is_null()
                                : !c.is_null() && c["metadata"]["resourceVersion"] ==
                                                      object["metadata"]["resourceVersion"];
      });
      if (done(object)) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "never reached the expected state";
    return last;
  }
  static std::string Condition(const Json& o, const std::string& type,
                               const char* field = "status") {
    if (o.is_null()) return "";
    for (const auto& c : StatusOf(o).conditions)
      if (c.type == type)
        return field == std::string("reason")    ? c.reason
               : field == std::string("message") ? c.message
                                                 : c.status;
    return "";
  }
  std::string Events() {
    std::string out;
    auto list = client_.List(kube::EventsResource(), "default", {});
    if (list.ok())
      for (const auto& e : (*list)["items"])
        out += e.value("type", "") + " " + e.value("reason", "") + ": " + e.value("message", "") +
               "\n";
    return out;
  }

  kube::FakeKubeClient client_;
  ObjectCache migrations_, secrets_;
  JobRunner runner_;
  NoServers connector_;
  kube::EventRecorder recorder_;
  std::unique_ptr<PgMigrationReconciler> reconciler_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(ReconcilerTest, AMissingSecretStallsWithTheReasonAfterTheFinalizerIsAdded) {
  CreateMigration();
  auto r = ReconcileUntil([](const Json& o) { return Condition(o, "Stalled") == "True"; });
  EXPECT_EQ(r.kind(), Kind::kRequeueAfter);
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  EXPECT_EQ(o["metadata"]["finalizers"], Json::array({"pgferry.io/cleanup"}));
  EXPECT_EQ(Condition(o, "Stalled", "reason"), "SecretNotFound");
  EXPECT_THAT(Condition(o, "Stalled", "message"),
              HasSubstr("spec.source.credentialsSecretRef: Secret \"pg\" not found"));
  EXPECT_EQ(StatusOf(o).observedGeneration, 1);
  EXPECT_THAT(Events(), HasSubstr("Warning SecretNotFound"));
}

TEST_F(ReconcilerTest, SuspendedStartsNoWork) {
  CreateSecret();
  CreateMigration({{"suspend", true}});
  auto r = ReconcileUntil(
      [](const Json& o) { return Condition(o, "Reconciling", "reason") == "Suspended"; });
  EXPECT_EQ(r.kind(), Kind::kDone);
  EXPECT_EQ(runner_.running() + runner_.waiting(), 0);
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  EXPECT_EQ(Condition(o, "Reconciling"), "False");
  EXPECT_THAT(Events(), HasSubstr("Normal Suspended"));
}

TEST_F(ReconcilerTest, UnreachableServersFailValidationAndAreRetriedAfterAMinute) {
  CreateSecret();
  CreateMigration();
  auto r = ReconcileUntil([](const Json& o) { return Condition(o, "Validated") == "False"; });
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  EXPECT_EQ(StatusOf(o).phase, "Failed");
  EXPECT_EQ(Condition(o, "Stalled"), "True");
  EXPECT_THAT(Condition(o, "Validated", "message"), HasSubstr("refused"));
  r = reconciler_->Reconcile("default/m1");
  EXPECT_EQ(r.kind(), Kind::kRequeueAfter);
  EXPECT_GT(r.requeue_after(), std::chrono::seconds(50));
  EXPECT_EQ(o.dump().find("cHc="), std::string::npos);
}

TEST_F(ReconcilerTest, ASpecChangeWhileTheEngineRunsStopsItAndRunsTheNewGeneration) {
  connector_.delay = std::chrono::milliseconds(300);
  CreateSecret();
  CreateMigration();
  reconciler_->Reconcile("default/m1");  // adds the finalizer and queues the engine
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  o["spec"]["method"] = "dump";
  ASSERT_TRUE(client_.Update(kube::PgMigrationsResource(), o).ok());
  ReconcileUntil([](const Json& o) {
    return StatusOf(o).observedGeneration == 2 && Condition(o, "Validated") == "False";
  });
  std::lock_guard<std::mutex> lock(log_mu_);
  EXPECT_THAT(log_, HasSubstr("Stopping the migration engine key=default/m1 reason=\"the spec "
                              "changed (generation 2)\""));
  EXPECT_THAT(log_, HasSubstr("Queued the migration engine key=default/m1 generation=2"));
}

TEST_F(ReconcilerTest, DeletingWhatNeverPassedValidationReleasesTheFinalizerAtOnce) {
  CreateSecret();
  CreateMigration();
  ReconcileUntil([](const Json& o) { return Condition(o, "Validated") == "False"; });
  ASSERT_TRUE(client_.Delete(kube::PgMigrationsResource(), "default", "m1", {}).ok());
  ReconcileUntil([](const Json& o) { return o.is_null(); });
  EXPECT_THAT(Events(), HasSubstr("Normal CleanupSkipped: nothing was created"));
}

TEST_F(ReconcilerTest, CleanupThatKeepsFailingIsGivenUpWithAWarningNamingWhatIsLeft) {
  CreateSecret();
  CreateMigration({{"suspend", true}});
  ReconcileUntil(
      [](const Json& o) { return Condition(o, "Reconciling", "reason") == "Suspended"; });
  // As if an earlier run had set up replication.
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  o["status"]["migrationId"] = "0badf00d";
  o["status"]["databases"] =
      Json::array({{{"dbname", "app"},
                    {"method", "replication"},
                    {"status", "syncing"},
                    {"replicationObjects", {{"slot", "pgferry_0badf00d_1"}}}}});
  ASSERT_TRUE(client_.UpdateStatus(kube::PgMigrationsResource(), o).ok());
  WaitForCache([](const Json& c) { return !StatusOf(c).databases.empty(); });
  reconciler_ = nullptr;  // a fresh reconciler reads the status from the object, like a restart
  ReconcilerDeps deps;
  deps.client = &client_;
  deps.migrations = &migrations_;
  deps.secrets = &secrets_;
  deps.runner = &runner_;
  deps.connector = &connector_;
  deps.events = &recorder_;
  ReconcilerOptions opts;
  opts.cleanup_max_attempts = 2;
  opts.cleanup_backoff = std::chrono::milliseconds(10);
  reconciler_ = std::make_unique<PgMigrationReconciler>(deps, opts);

  ASSERT_TRUE(client_.Delete(kube::PgMigrationsResource(), "default", "m1", {}).ok());
  ReconcileUntil([](const Json& o) { return o.is_null(); });
  std::string events = Events();
  EXPECT_THAT(events, HasSubstr("Warning CleanupFailed: cleanup attempt 1 of 2 failed"));
  EXPECT_THAT(events, HasSubstr("Warning CleanupAbandoned: cleanup given up after 2 attempt(s)"));
  EXPECT_THAT(events, HasSubstr("left behind"));
}

TEST_F(ReconcilerTest, AfterARestartWithTheSecretsGoneCleanupIsGivenUpNamingTheRecordedObjects) {
  CreateSecret();
  CreateMigration({{"suspend", true}});
  ReconcileUntil(
      [](const Json& o) { return Condition(o, "Reconciling", "reason") == "Suspended"; });
  // As if an earlier run had set up replication.
  auto o = *client_.Get(kube::PgMigrationsResource(), "default", "m1");
  o["status"]["migrationId"] = "0badf00d";
  o["status"]["databases"] =
      Json::array({{{"dbname", "app"},
                    {"method", "replication"},
                    {"status", "syncing"},
                    {"replicationObjects", {{"slot", "pgferry_0badf00d_1"}}}}});
  ASSERT_TRUE(client_.UpdateStatus(kube::PgMigrationsResource(), o).ok());
  WaitForCache([](const Json& c) { return !StatusOf(c).databases.empty(); });
  reconciler_ = nullptr;  // a fresh reconciler reads the status from the object, like a restart
  ReconcilerDeps deps;
  deps.client = &client_;
  deps.migrations = &migrations_;
  deps.secrets = &secrets_;
  deps.runner = &runner_;
  deps.connector = &connector_;
  deps.events = &recorder_;
  ReconcilerOptions opts;
  opts.cleanup_max_attempts = 2;
  opts.cleanup_backoff = std::chrono::milliseconds(10);
  reconciler_ = std::make_unique<PgMigrationReconciler>(deps, opts);

  // The Secrets were deleted together with the PgMigration: nothing to connect with.
  ASSERT_TRUE(client_.Delete(kube::SecretsResource(), "default", "pg", {}).ok());
  for (int i = 0; i < 200 && !secrets_.List().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(client_.Delete(kube::PgMigrationsResource(), "default", "m1", {}).ok());
  ReconcileUntil([](const Json& o) { return o.is_null(); });
  std::string events = Events();
  EXPECT_THAT(events, HasSubstr("Warning CleanupFailed: cleanup attempt 1 of 2 failed"));
  EXPECT_THAT(events, HasSubstr("Warning CleanupAbandoned: cleanup given up after 2 attempt(s)"));
  EXPECT_THAT(events, HasSubstr("may be left behind: slot pgferry_0badf00d_1 on the source"));
}

}  // namespace
}  // namespace pgferry::controller
