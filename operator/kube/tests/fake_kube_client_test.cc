// FakeKubeClient behaves like the API server in what reconcilers and the Watcher rely on.
#include "operator/kube/fake/fake_kube_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <thread>

#include "operator/kube/api_error.h"
#include "operator/kube/watcher.h"

namespace pgferry::kube {
namespace {

Json Migration(const std::string& name) {
  return {{"apiVersion", "pgferry.io/v1alpha1"},
          {"kind", "PgMigration"},
          {"metadata", {{"name", name}, {"namespace", "apps"}, {"labels", {{"team", "db"}}}}},
          {"spec", {{"method", "auto"}}},
          {"status", {{"phase", "Ignored on create"}}}};
}

Json Secret(const std::string& name, const std::string& tier = "db") {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "apps"}, {"labels", {{"tier", tier}}}}}};
}

TEST(FakeKubeClient, CreateFillsMetadataAndRefusesDuplicates) {
  FakeKubeClient kube;
  auto created = kube.Create(PgMigrationsResource(), Migration("orders"));
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE((*created)["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ((*created)["metadata"]["generation"], 1);
  EXPECT_FALSE(created->contains("status"));  // the status subresource drops it on create
  EXPECT_EQ(kube.Create(PgMigrationsResource(), Migration("orders")).status().code(),
            StatusCode::kAlreadyExists);

  Json generated = Secret("");
  generated["metadata"]["generateName"] = "orders-";
  auto named = kube.Create(SecretsResource(), generated);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ((*named)["metadata"]["name"].get<std::string>().rfind("orders-", 0), 0u);
  EXPECT_EQ(kube.Get(SecretsResource(), "apps", "nope").status().message(),
            "secrets \"nope\" not found");
}

TEST(FakeKubeClient, UpdatesAreOptimisticAndCountGenerations) {
  FakeKubeClient kube;
  Json v1 = *kube.Create(PgMigrationsResource(), Migration("orders"));

  Json same = v1;
  auto noop = kube.Update(PgMigrationsResource(), same);
  EXPECT_EQ((*noop)["metadata"]["resourceVersion"], v1["metadata"]["resourceVersion"]);

  Json labelled = v1;
  labelled["metadata"]["labels"]["x"] = "y";
  Json v2 = *kube.Update(PgMigrationsResource(), labelled);
  EXPECT_NE(v2["metadata"]["resourceVersion"], v1["metadata"]["resourceVersion"]);
  EXPECT_EQ(v2["metadata"]["generation"], 1);  // metadata only

  Json respec = v2;
  respec["spec"]["method"] = "dump";
  Json v3 = *kube.Update(PgMigrationsResource(), respec);
  EXPECT_EQ(v3["metadata"]["generation"], 2);

  EXPECT_EQ(kube.Update(PgMigrationsResource(), v1).status().code(), StatusCode::kConflict);
  EXPECT_EQ(kube.Patch(PgMigrationsResource(), "apps", "orders", PatchType::kMerge,
                       {{"metadata", {{"resourceVersion", v1["metadata"]["resourceVersion"]}}}})
                .status()
                .code(),
            StatusCode::kConflict);
}

TEST(FakeKubeClient, StatusSubresourceSplitsStatusFromTheRest) {
  FakeKubeClient kube;
  Json created = *kube.Create(PgMigrationsResource(), Migration("orders"));
  auto patched =
      kube.PatchStatus(PgMigrationsResource(), "apps", "orders", PatchType::kMerge,
                       {{"status", {{"phase", "Running"}}}, {"spec", {{"method", "x"}}}});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["status"]["phase"], "Running");
  EXPECT_EQ((*patched)["spec"]["method"], "auto");  // only status changes through /status
  EXPECT_EQ((*patched)["metadata"]["generation"], 1);

  Json main_write = *patched;
  main_write["status"]["phase"] = "Overwritten?";
  main_write["spec"]["method"] = "dump";
  auto updated = kube.Update(PgMigrationsResource(), main_write);
  EXPECT_EQ((*updated)["status"]["phase"], "Running");
  EXPECT_EQ((*updated)["spec"]["method"], "dump");

  EXPECT_EQ(kube.PatchStatus(SecretsResource(), "apps", "x", PatchType::kMerge, {}).status().code(),
            StatusCode::kNotFound);
}

TEST(FakeKubeClient, JsonPatchTestFailureIsInvalid) {
  FakeKubeClient kube;
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("s")).ok());
  Json ops = Json::array({{{"op", "test"}, {"path", "/metadata/name"}, {"value", "other"}}});
  EXPECT_EQ(kube.Patch(SecretsResource(), "apps", "s", PatchType::kJson, ops).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FakeKubeClient, FinalizersHoldDeletionUntilRemoved) {
  FakeKubeClient kube;
  Json m = Migration("orders");
  m["metadata"]["finalizers"] = {"pgferry.io/cleanup"};
  Json created = *kube.Create(PgMigrationsResource(), m);

  DeleteOptions wrong;
  wrong.precondition_uid = "nope";
  EXPECT_EQ(kube.Delete(PgMigrationsResource(), "apps", "orders", wrong).status().code(),
            StatusCode::kConflict);
  auto deleting = kube.Delete(PgMigrationsResource(), "apps", "orders", {});
  ASSERT_TRUE(deleting.ok());
  EXPECT_TRUE((*deleting)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(kube.Get(PgMigrationsResource(), "apps", "orders").ok());

  ASSERT_TRUE(kube.Patch(PgMigrationsResource(), "apps", "orders", PatchType::kMerge,
                         {{"metadata", {{"finalizers", nullptr}}}})
                  .ok());
  EXPECT_EQ(kube.Get(PgMigrationsResource(), "apps", "orders").status().code(),
            StatusCode::kNotFound);
}

TEST(FakeKubeClient, ListFiltersBySelectors) {
  FakeKubeClient kube;
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("a", "db")).ok());
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("b", "web")).ok());
  Json other_ns = Secret("c");
  other_ns["metadata"]["namespace"] = "other";
  ASSERT_TRUE(kube.Create(SecretsResource(), other_ns).ok());
  auto names = [&](const std::string& ns, const std::string& labels, const std::string& fields) {
    ListOptions options;
    options.label_selector = labels;
    options.field_selector = fields;
    std::vector<std::string> out;
    Json list = *kube.List(SecretsResource(), ns, options);
    for (const auto& item : list["items"]) out.push_back(item["metadata"]["name"]);
    return out;
  };
  EXPECT_EQ(names("apps", "", ""), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("", "", ""), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(names("apps", "tier=db", ""), (std::vector<std::string>{"a"}));
  EXPECT_EQ(names("apps", "tier!=db", ""), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names("apps", "tier in (web, x)", ""), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names("apps", "!tier", ""), (std::vector<std::string>{}));
  EXPECT_EQ(names("", "", "metadata.name=c"), (std::vector<std::string>{"c"}));
  ListOptions bad;
  bad.field_selector = "spec.x=1";
  EXPECT_EQ(kube.List(SecretsResource(), "", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(FakeKubeClient, WatchReplaysFromAVersionAndFollowsSelectors) {
  FakeKubeClient kube;
  Json a = *kube.Create(SecretsResource(), Secret("a", "db"));
  std::string from = a["metadata"]["resourceVersion"];
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("b", "db")).ok());
  ASSERT_TRUE(kube.Patch(SecretsResource(), "apps", "a", PatchType::kMerge,
                         {{"metadata", {{"labels", {{"tier", "web"}}}}}})
                  .ok());  // a leaves the selection
  ASSERT_TRUE(kube.Delete(SecretsResource(), "apps", "b", {}).ok());
  kube.CloseWatches();  // nothing is open yet: has no effect on the watch below

  WatchOptions options;
  options.resource_version = from;
  options.label_selector = "tier=db";
  std::vector<std::string> seen;
  std::stop_source stop;
  auto done = std::async(std::launch::async, [&] {
    return kube.Watch(SecretsResource(), "apps", options, stop.get_token(),
                      [&](const WatchEvent& e) {
                        seen.push_back(std::string(WatchEventTypeName(e.type)) + " " +
                                       e.object["metadata"]["name"].get<std::string>());
                        return seen.size() < 3;
                      });
  });
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(done.get().ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED b", "DELETED a", "DELETED b"}));
}

TEST(FakeKubeClient, CompactedVersionsAreGoneAndClosedWatchesEnd) {
  FakeKubeClient kube;
  Json a = *kube.Create(SecretsResource(), Secret("a"));
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("b")).ok());
  kube.CompactHistory();
  WatchOptions old;
  old.resource_version = a["metadata"]["resourceVersion"];
  std::vector<WatchEventType> types;
  Status st =
      kube.Watch(SecretsResource(), "apps", old, std::stop_token(), [&](const WatchEvent& e) {
        types.push_back(e.type);
        return true;
      });
  EXPECT_TRUE(IsGone(st));
  EXPECT_EQ(types, std::vector<WatchEventType>{WatchEventType::kError});

  auto open = std::async(std::launch::async, [&] {
    return kube.Watch(SecretsResource(), "apps", {}, std::stop_token(),
                      [](const WatchEvent&) { return true; });
  });
  while (kube.actions().back() != "watch secrets apps/")
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kube.CloseWatches();
  ASSERT_EQ(open.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(open.get().ok());
}

TEST(FakeKubeClient, InjectedFailuresHitTheNextCallOnly) {
  FakeKubeClient kube;
  kube.FailNext("create", Unavailable("etcd is down"));
  EXPECT_EQ(kube.Create(SecretsResource(), Secret("a")).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(kube.Create(SecretsResource(), Secret("a")).ok());
  EXPECT_EQ(kube.actions(),
            (std::vector<std::string>{"create secrets apps/a", "create secrets apps/a"}));
}

TEST(FakeKubeClient, WatcherCatchesUpAfterCompactionWithTheDifference) {
  FakeKubeClient kube;
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("keep")).ok());
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("drop")).ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;
  Watcher::Options options;
  options.resource = SecretsResource();
  options.ns = "apps";
  options.initial_backoff = std::chrono::milliseconds(100);
  Watcher watcher(&kube, options,
                  {[&](const WatchEvent& e) {
                     std::lock_guard<std::mutex> lock(mu);
                     seen.push_back(std::string(WatchEventTypeName(e.type)) + " " +
                                    e.object["metadata"]["name"].get<std::string>());
                     cv.notify_all();
                   },
                   [&](const std::string& rv) {
                     std::lock_guard<std::mutex> lock(mu);
                     seen.push_back("SYNCED");
                     cv.notify_all();
                   },
                   nullptr});
  auto wait_for = [&](size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return seen.size() >= n; });
  };
  auto watch_calls = [&] {
    auto actions = kube.actions();
    return std::count_if(actions.begin(), actions.end(),
                         [](const std::string& a) { return a.rfind("watch ", 0) == 0; });
  };
  watcher.Start();
  ASSERT_TRUE(wait_for(3));  // ADDED drop, ADDED keep, SYNCED
  while (watch_calls() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // The stream ends and the next watch fails: the watcher is away, backing off...
  kube.FailNext("watch", Unavailable("network blip"));
  kube.CloseWatches();
  while (watch_calls() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // ...while things change and its version is compacted away.
  ASSERT_TRUE(kube.Delete(SecretsResource(), "apps", "drop", {}).ok());
  ASSERT_TRUE(kube.Create(SecretsResource(), Secret("new")).ok());
  kube.CompactHistory();

  ASSERT_TRUE(wait_for(6));
  watcher.Stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED drop", "ADDED keep", "SYNCED", "ADDED new",
                                            "DELETED drop", "SYNCED"}));
}

}  // namespace
}  // namespace pgferry::kube
