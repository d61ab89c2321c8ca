// Informer: cache contents, handlers, HasSynced, and a relist after 410 Gone, on FakeKubeClient.
#include "operator/runtime/informer.h"

#include <gtest/gtest.h>

#include <thread>

#include "operator/runtime/object_key.h"
#include "operator/runtime/tests/fake_kube_client.h"

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;
using testing::FakeKubeClient;

Json Migration(const std::string& ns, const std::string& name, int port = 5432) {
  return {{"apiVersion", "pgferry.io/v1alpha1"},
          {"kind", "PgMigration"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"source", {{"host", "src"}, {"port", port}}}}}};
}

// Waits (real time, up to 5 s) for `condition`.
template <typename F>
bool Eventually(F condition) {
  for (int i = 0; i < 5000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return condition();
}

class InformerTest : public ::testing::Test {
 protected:
  Informer::Options Options(const std::string& ns = "") {
    Informer::Options options;
    options.resource = kube::PgMigrationsResource();
    options.ns = ns;
    options.initial_backoff = milliseconds(1);
    options.max_backoff = milliseconds(5);
    options.log = [](std::string_view) {};
    return options;
  }
  // Records what the handlers saw, as "add ns/m1", "update ns/m1", "delete ns/m1".
  Informer::EventHandlers Recorder() {
    auto record = [this](const std::string& what) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(what);
    };
    return {[record](const Json& o) { record("add " + ObjectKey(o)); },
            [record](const Json&, const Json& o) { record("update " + ObjectKey(o)); },
            [record, this](const Json& o) {
              last_deleted_ = o;
              record("delete " + ObjectKey(o));
            }};
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  FakeKubeClient client_;
  std::mutex mu_;
  std::vector<std::string> seen_;
  Json last_deleted_;
};

TEST_F(InformerTest, SyncsTheInitialListAndCallsAddForEachObject) {
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("a", "m1")).ok());
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("b", "m2")).ok());
  Informer informer(&client_, Options());
  informer.AddEventHandlers(Recorder());
  EXPECT_FALSE(informer.HasSynced());
  EXPECT_FALSE(informer.SyncStatus().ok());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  EXPECT_TRUE(informer.SyncStatus().ok());
  EXPECT_EQ(informer.Keys(), (std::vector<std::string>{"a/m1", "b/m2"}));
  EXPECT_EQ(Seen(), (std::vector<std::string>{"add a/m1", "add b/m2"}));
  std::optional<Json> m1 = informer.Get("a/m1");
  ASSERT_TRUE(m1);
  EXPECT_EQ((*m1)["spec"]["source"]["host"], "src");
  EXPECT_EQ(informer.Get("a/missing"), std::nullopt);
}

TEST_F(InformerTest, FollowsChangesAndReturnsCopies) {
  Informer informer(&client_, Options());
  informer.AddEventHandlers(Recorder());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  ASSERT_TRUE(client_.WaitForWatches(1));

  Result<Json> created = client_.Create(kube::PgMigrationsResource(), Migration("a", "m1"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("a/m1").has_value(); }));
  Json changed = *created;
  changed["spec"]["source"]["port"] = 6432;
  ASSERT_TRUE(client_.Update(kube::PgMigrationsResource(), changed).ok());
  ASSERT_TRUE(
      Eventually([&] { return (*informer.Get("a/m1"))["spec"]["source"]["port"] == 6432; }));

  Json copy = *informer.Get("a/m1");
  copy["spec"]["source"]["port"] = 1;  // a caller's copy never changes the cache
  EXPECT_EQ((*informer.Get("a/m1"))["spec"]["source"]["port"], 6432);

  ASSERT_TRUE(client_.Delete(kube::PgMigrationsResource(), "a", "m1", {}).ok());
  ASSERT_TRUE(Eventually([&] { return !informer.Get("a/m1").has_value(); }));
  EXPECT_EQ(Seen(), (std::vector<std::string>{"add a/m1", "update a/m1", "delete a/m1"}));
}

TEST_F(InformerTest, WatchesOneNamespaceOnly) {
  Informer informer(&client_, Options("a"));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  ASSERT_TRUE(client_.WaitForWatches(1));
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("b", "other")).ok());
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("a", "mine")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("a/mine").has_value(); }));
  EXPECT_EQ(informer.Keys(), (std::vector<std::string>{"a/mine"}));
}

TEST_F(InformerTest, RelistsAfterGoneAndReportsWhatWasMissed) {
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("a", "kept")).ok());
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("a", "gone", 7000)).ok());
  Informer informer(&client_, Options());
  informer.AddEventHandlers(Recorder());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  ASSERT_TRUE(client_.WaitForWatches(1));

  // Deleted while the watch was broken, and the history compacted: only a relist can tell.
  client_.EraseSilently(kube::PgMigrationsResource(), "a", "gone");
  client_.Compact();
  ASSERT_TRUE(Eventually([&] { return !informer.Get("a/gone").has_value(); }));
  EXPECT_EQ(Seen().back(), "delete a/gone");
  EXPECT_EQ(last_deleted_["spec"]["source"]["port"], 7000)
      << "on_delete gets the last full state the cache held";
  EXPECT_TRUE(informer.Get("a/kept").has_value());
  EXPECT_GE(client_.calls("list"), 2);
}

TEST_F(InformerTest, EnqueueObjectKeyFeedsAWorkQueue) {
  WorkQueue queue;
  Informer informer(&client_, Options());
  informer.AddEventHandlers(EnqueueObjectKey(&queue));
  ASSERT_TRUE(client_.Create(kube::PgMigrationsResource(), Migration("a", "m1")).ok());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  EXPECT_EQ(queue.TryGet(), "a/m1");
}

TEST_F(InformerTest, EnqueueMappedKeysTurnsASecretIntoItsMigrations) {
  WorkQueue queue;
  Informer::Options options = Options();
  options.resource = kube::SecretsResource();
  Informer secrets(&client_, options);
  secrets.AddEventHandlers(EnqueueMappedKeys(&queue, [](const Json& secret) {
    return std::vector<std::string>{ObjectKey(secret) + "-migration"};
  }));
  secrets.Start();
  ASSERT_TRUE(secrets.WaitForSync(std::stop_token(), std::chrono::seconds(5)));
  ASSERT_TRUE(client_.WaitForWatches(1));
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"namespace", "a"}, {"name", "src-pg"}}}};
  ASSERT_TRUE(client_.Create(kube::SecretsResource(), secret).ok());
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.TryGet(), "a/src-pg-migration");
}

TEST_F(InformerTest, WaitForSyncGivesUpWhenStopped) {
  client_.set_fault([](const std::string& verb, const kube::Resource&) {
    return verb == "list" ? Unavailable("apiserver down") : Status::Ok();
  });
  Informer informer(&client_, Options());
  informer.Start();
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(20));
    stop.request_stop();
  });
  EXPECT_FALSE(informer.WaitForSync(stop.get_token()));
  stopper.join();
  EXPECT_FALSE(informer.HasSynced());
}

}  // namespace
}  // namespace pgferry::runtime
