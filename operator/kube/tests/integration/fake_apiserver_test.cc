// HttpKubeClient, Watcher and EventRecorder against tests/fake-apiserver, over TLS with a
// bearer token as in a cluster: Secrets, Leases, a custom resource with a status subresource.
#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

#include "operator/kube/api_error.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/http_kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/tests/integration/fake_apiserver_process.h"
#include "operator/kube/tests/test_certs.h"
#include "operator/kube/watcher.h"

namespace pgferry::kube {
namespace {

using testing::FakeApiServerProcess;

constexpr const char* kToken = "integration-t0ken";

// Collects watch events from another thread and lets the test wait for them.
class EventLog {
 public:
  void Add(const WatchEvent& event) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(std::string(WatchEventTypeName(event.type)) + " " +
                     event.object["metadata"].value("name", ""));
    cv_.notify_all();
  }
  bool WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return lines_.size() >= count; });
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

class FakeApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FakeApiServerProcess::Binary().empty()) GTEST_SKIP() << "fake-apiserver is not built";
    ASSERT_TRUE(server_.Start({.tls = true, .token = kToken}).ok());
    auto config = LoadKubeconfigFiles({server_.kubeconfig_path()});
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    config_ = *config;
    auto client = HttpKubeClient::FromConfig(config_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }

  static Json Secret(const std::string& name) {
    return {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "pgferry"}}}}},
        {"stringData", {{"username", "app"}}}};
  }

  FakeApiServerProcess server_;
  KubeConfig config_;
  std::unique_ptr<HttpKubeClient> client_;
};

TEST_F(FakeApiServerTest, KubeconfigFromTheServerIsTlsWithAToken) {
  EXPECT_EQ(config_.server.rfind("https://127.0.0.1:", 0), 0u) << config_.server;
  EXPECT_FALSE(config_.ca_pem.empty());
  EXPECT_EQ(config_.token, kToken);
}

TEST_F(FakeApiServerTest, SecretLifecycle) {
  const Resource secrets = SecretsResource();
  auto created = client_->Create(secrets, Secret("db"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string rv = (*created)["metadata"]["resourceVersion"];
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());

  EXPECT_EQ(client_->Create(secrets, Secret("db")).status().code(), StatusCode::kAlreadyExists);

  auto got = client_->Get(secrets, "default", "db");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["data"]["username"], "YXBw");  // stringData is stored base64 in data

  ListOptions by_label;
  by_label.label_selector = "app=pgferry";
  auto list = client_->List(secrets, "default", by_label);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ((*list)["items"].size(), 1u);
  by_label.label_selector = "app=other";
  EXPECT_TRUE(client_->List(secrets, "default", by_label)->at("items").empty());

  auto patched = client_->Patch(secrets, "default", "db", PatchType::kMerge,
                                {{"metadata", {{"labels", {{"tier", "db"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["metadata"]["labels"]["tier"], "db");
  EXPECT_NE((*patched)["metadata"]["resourceVersion"], rv);

  Json stale = *got;  // still carries the resourceVersion from before the patch
  stale["metadata"]["labels"]["x"] = "y";
  EXPECT_EQ(client_->Update(secrets, stale).status().code(), StatusCode::kConflict);

  Json fresh = *patched;
  fresh["metadata"]["labels"]["x"] = "y";
  auto updated = client_->Update(secrets, fresh);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ((*updated)["metadata"]["labels"]["x"], "y");

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  EXPECT_EQ(client_->Delete(secrets, "default", "db", wrong_uid).status().code(),
            StatusCode::kConflict);
  DeleteOptions background;
  background.propagation_policy = "Background";
  ASSERT_TRUE(client_->Delete(secrets, "default", "db", background).ok());
  auto gone = client_->Get(secrets, "default", "db");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("\"db\" not found"), std::string::npos)
      << gone.status().message();
}

TEST_F(FakeApiServerTest, LeaseWithJsonPatchAsOptimisticLock) {
  const Resource leases = LeasesResource();
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "pgferry-leader"}, {"namespace", "default"}}},
                {"spec", {{"holderIdentity", "pod-a"}, {"leaseDurationSeconds", 15}}}};
  auto created = client_->Create(leases, lease);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string rv = (*created)["metadata"]["resourceVersion"];

  auto take = [&](const std::string& expected_rv, const std::string& holder) {
    Json ops = Json::array(
        {{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", expected_rv}},
         {{"op", "replace"}, {"path", "/spec/holderIdentity"}, {"value", holder}}});
    return client_->Patch(leases, "default", "pgferry-leader", PatchType::kJson, ops);
  };
  auto taken = take(rv, "pod-b");
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ((*taken)["spec"]["holderIdentity"], "pod-b");
  EXPECT_FALSE(take(rv, "pod-c").ok());  // someone else moved it on

  auto merged = client_->Patch(leases, "default", "pgferry-leader", PatchType::kMerge,
                               {{"spec", {{"leaseTransitions", 1}}}});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ((*merged)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*merged)["spec"]["holderIdentity"], "pod-b");

  ASSERT_TRUE(client_->Delete(leases, "default", "pgferry-leader", {}).ok());
  EXPECT_EQ(client_->Get(leases, "default", "pgferry-leader").status().code(),
            StatusCode::kNotFound);
}

TEST_F(FakeApiServerTest, StatusSubresourceOfACustomResource) {
  Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions"};
  Json schema = {
      {"type", "object"},
      {"properties",
       {{"spec", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}},
        {"status", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "widgets.kube-it.pgferry.io"}}},
              {"spec",
               {{"group", "kube-it.pgferry.io"},
                {"scope", "Namespaced"},
                {"names",
                 {{"plural", "widgets"},
                  {"singular", "widget"},
                  {"kind", "Widget"},
                  {"listKind", "WidgetList"}}},
                {"versions",
                 {{{"name", "v1"},
                   {"served", true},
                   {"storage", true},
                   {"subresources", {{"status", Json::object()}}},
                   {"schema", {{"openAPIV3Schema", schema}}}}}}}}};
  auto made = client_->Create(crds, crd);
  ASSERT_TRUE(made.ok()) << made.status().ToString();

  Resource widgets{"kube-it.pgferry.io", "v1", "widgets"};
  Json widget = {{"apiVersion", "kube-it.pgferry.io/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w1"}, {"namespace", "default"}}},
                 {"spec", {{"size", 1}}}};
  auto created = client_->Create(widgets, widget);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  int64_t generation = (*created)["metadata"]["generation"];

  auto patched = client_->PatchStatus(widgets, "default", "w1", PatchType::kMerge,
                                      {{"status", {{"phase", "Running"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["status"]["phase"], "Running");
  EXPECT_EQ((*patched)["metadata"]["generation"], generation);  // status writes keep generation

  Json with_status = *patched;
  with_status["status"]["phase"] = "Done";
  auto updated = client_->UpdateStatus(widgets, with_status);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ((*updated)["status"]["phase"], "Done");

  // A write to the main resource does not touch status.
  Json spec_change = *updated;
  spec_change["spec"]["size"] = 2;
  spec_change["status"]["phase"] = "Ignored";
  auto spec_updated = client_->Update(widgets, spec_change);
  ASSERT_TRUE(spec_updated.ok()) << spec_updated.status().ToString();
  EXPECT_EQ((*spec_updated)["status"]["phase"], "Done");
  EXPECT_EQ((*spec_updated)["metadata"]["generation"], generation + 1);
}

TEST_F(FakeApiServerTest, WatchSeesChangesFromTheListsVersion) {
  const Resource secrets = SecretsResource();
  auto list = client_->List(secrets, "default", {});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  WatchOptions options;
  options.resource_version = (*list)["metadata"]["resourceVersion"];
  options.label_selector = "app=pgferry";
  options.timeout_seconds = 60;

  EventLog log;
  std::stop_source stop;
  Status watch_result;
  std::thread watcher([&] {
    watch_result =
        client_->Watch(secrets, "default", options, stop.get_token(), [&](const WatchEvent& event) {
          if (event.type != WatchEventType::kBookmark) log.Add(event);
          return true;
        });
  });
  ASSERT_TRUE(client_->Create(secrets, Secret("w1")).ok());
  ASSERT_TRUE(client_
                  ->Patch(secrets, "default", "w1", PatchType::kMerge,
                          {{"stringData", {{"password", "x"}}}})
                  .ok());
  ASSERT_TRUE(client_->Delete(secrets, "default", "w1", {}).ok());
  bool complete = log.WaitFor(3);
  stop.request_stop();
  watcher.join();
  ASSERT_TRUE(complete);
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"ADDED w1", "MODIFIED w1", "DELETED w1"}));
  EXPECT_EQ(watch_result.code(), StatusCode::kAborted);
}

TEST_F(FakeApiServerTest, WatcherDeliversInitialStateThenChanges) {
  const Resource secrets = SecretsResource();
  ASSERT_TRUE(client_->Create(secrets, Secret("before")).ok());
  EventLog log;
  std::atomic<int> synced{0};
  Watcher::Options options;
  options.resource = secrets;
  options.ns = "default";
  options.label_selector = "app=pgferry";
  Watcher watcher(client_.get(), options,
                  {[&](const WatchEvent& event) { log.Add(event); },
                   [&](const std::string&) { ++synced; }, nullptr});
  watcher.Start();
  ASSERT_TRUE(log.WaitFor(1));
  ASSERT_TRUE(client_->Create(secrets, Secret("after")).ok());
  ASSERT_TRUE(client_->Delete(secrets, "default", "before", {}).ok());
  ASSERT_TRUE(log.WaitFor(3));
  watcher.Stop();
  EXPECT_EQ(log.lines(),
            (std::vector<std::string>{"ADDED before", "ADDED after", "DELETED before"}));
  EXPECT_EQ(synced.load(), 1);
}

TEST_F(FakeApiServerTest, EventsAreRecordedAndFolded) {
  auto secret = client_->Create(SecretsResource(), Secret("evented"));
  ASSERT_TRUE(secret.ok());
  EventRecorder recorder(client_.get(), {"pgferry", "it-pod"});
  ASSERT_TRUE(recorder.Record(*secret, EventType::kWarning, "SourceUnreachable", "timeout").ok());
  ASSERT_TRUE(recorder.Record(*secret, EventType::kWarning, "SourceUnreachable", "timeout").ok());
  ListOptions about;
  about.field_selector = "involvedObject.name=evented,involvedObject.kind=Secret";
  auto events = client_->List(EventsResource(), "default", about);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ((*events)["items"].size(), 1u) << events->dump();
  const Json& event = (*events)["items"][0];
  EXPECT_EQ(event["count"], 2);
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "SourceUnreachable");
  EXPECT_EQ(event["involvedObject"]["uid"], (*secret)["metadata"]["uid"]);
  EXPECT_EQ(event["reportingComponent"], "pgferry");
}

TEST_F(FakeApiServerTest, WrongTokenIsUnauthenticated) {
  KubeConfig config = config_;
  config.token = "wrong";
  auto client = HttpKubeClient::FromConfig(config);
  ASSERT_TRUE(client.ok());
  auto got = (*client)->Get(SecretsResource(), "default", "any");
  EXPECT_EQ(got.status().code(), StatusCode::kUnauthenticated) << got.status().ToString();
  Status watch = (*client)->Watch(SecretsResource(), "default", {}, std::stop_token(),
                                  [](const WatchEvent&) { return true; });
  EXPECT_EQ(watch.code(), StatusCode::kUnauthenticated);
}

TEST_F(FakeApiServerTest, WrongCaIsAClearTlsError) {
  KubeConfig config = config_;
  config.ca_pem = testing::MakeTestCertificates("not the cluster CA").ca_pem;
  auto client = HttpKubeClient::FromConfig(config);
  ASSERT_TRUE(client.ok());
  auto got = (*client)->Get(SecretsResource(), "default", "any");
  EXPECT_EQ(got.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(got.status().message().find("certificate verify failed"), std::string::npos)
      << got.status().message();
  EXPECT_NE(got.status().message().find(config.server), std::string::npos);
}

TEST(FakeApiServerPlainHttp, WorksWithoutTlsOrToken) {
  if (FakeApiServerProcess::Binary().empty()) GTEST_SKIP() << "fake-apiserver is not built";
  FakeApiServerProcess server;
  ASSERT_TRUE(server.Start({}).ok());
  auto config = LoadKubeconfigFiles({server.kubeconfig_path()});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.rfind("http://", 0), 0u);
  auto client = HttpKubeClient::FromConfig(*config);
  ASSERT_TRUE(client.ok());
  auto version = (*client)->GetPath("/version");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ((*version)["major"], "1");
  auto missing = (*client)->Get(SecretsResource(), "default", "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace pgferry::kube
