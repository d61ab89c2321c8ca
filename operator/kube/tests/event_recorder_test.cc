// EventRecorder: the Event objects it writes and how it folds repeats, checked on the wire.
#include "operator/kube/event_recorder.h"

#include <gtest/gtest.h>

#include <atomic>

#include "operator/kube/http_kube_client.h"
#include "operator/kube/tests/test_api_server.h"

namespace pgferry::kube {
namespace {

using testing::ReplyJson;
using testing::SeenRequest;
using testing::StatusBody;
using testing::TestApiServer;
using web::http::http_request;

const Json kMigration = {
    {"apiVersion", "pgferry.io/v1alpha1"},
    {"kind", "PgMigration"},
    {"metadata",
     {{"name", "orders"}, {"namespace", "apps"}, {"uid", "0b6e-uid"}, {"resourceVersion", "42"}}}};

std::chrono::system_clock::time_point At(int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

TEST(MakeEvent, CarriesWhatKubectlDescribeShows) {
  Json event = MakeEvent(kMigration, EventType::kWarning, "ReplicationLagging", "lag is 10 MB",
                         {"pgferry", "pgferry-6d5f"}, At(1735689600));
  EXPECT_EQ(event["apiVersion"], "v1");
  EXPECT_EQ(event["kind"], "Event");
  EXPECT_EQ(event["metadata"]["namespace"], "apps");
  EXPECT_EQ(event["metadata"]["name"].get<std::string>().rfind("orders.", 0), 0u);
  EXPECT_EQ(event["involvedObject"], Json({{"apiVersion", "pgferry.io/v1alpha1"},
                                           {"kind", "PgMigration"},
                                           {"name", "orders"},
                                           {"namespace", "apps"},
                                           {"uid", "0b6e-uid"},
                                           {"resourceVersion", "42"}}));
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "ReplicationLagging");
  EXPECT_EQ(event["message"], "lag is 10 MB");
  EXPECT_EQ(event["count"], 1);
  EXPECT_EQ(event["firstTimestamp"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(event["lastTimestamp"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(event["source"]["component"], "pgferry");
  EXPECT_EQ(event["reportingComponent"], "pgferry");
  EXPECT_EQ(event["reportingInstance"], "pgferry-6d5f");
}

TEST(MakeEvent, ClusterScopedObjectsGetEventsInDefault) {
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "pgmigrations.pgferry.io"}}}};
  Json event = MakeEvent(crd, EventType::kNormal, "Seen", "x", {}, At(0));
  EXPECT_EQ(event["metadata"]["namespace"], "default");
  EXPECT_FALSE(event["involvedObject"].contains("namespace"));
  EXPECT_EQ(event["type"], "Normal");
}

TEST(MakeEvent, LongMessagesAreCut) {
  Json event = MakeEvent(kMigration, EventType::kNormal, "R", std::string(5000, 'x'), {}, At(0));
  EXPECT_EQ(event["message"].get<std::string>().size(), 1024u);
}

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestApiServer>([this](http_request request,
                                                     const SeenRequest& seen) {
      if (seen.method == "PATCH" && patch_not_found_) {
        ReplyJson(request, 404, StatusBody(404, "NotFound", "events not found"));
        return;
      }
      ReplyJson(request, seen.method == "POST" ? 201 : 200, seen.body.empty() ? "{}" : seen.body);
    });
    KubeConfig config;
    config.server = server_->url();
    client_ = std::move(HttpKubeClient::FromConfig(config)).value();
    recorder_ = std::make_unique<EventRecorder>(client_.get(), EventSource{"pgferry", "pod-1"},
                                                [this] { return At(now_); });
  }

  std::atomic<bool> patch_not_found_{false};
  int64_t now_ = 1735689600;
  std::unique_ptr<TestApiServer> server_;
  std::unique_ptr<HttpKubeClient> client_;
  std::unique_ptr<EventRecorder> recorder_;
};

TEST_F(EventRecorderTest, RepeatsBumpTheCountOfTheSameEvent) {
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Syncing", "app in sync").ok());
  now_ += 30;
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Syncing", "app in sync").ok());
  now_ += 30;
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Syncing", "app in sync").ok());

  auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/api/v1/namespaces/apps/events");
  Json created = Json::parse(seen[0].body);
  std::string name = created["metadata"]["name"];
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[1].path, "/api/v1/namespaces/apps/events/" + name);
  EXPECT_EQ(seen[1].Header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(Json::parse(seen[1].body),
            Json({{"count", 2}, {"lastTimestamp", "2025-01-01T00:00:30Z"}}));
  EXPECT_EQ(Json::parse(seen[2].body)["count"], 3);
}

TEST_F(EventRecorderTest, ADifferentMessageIsANewEvent) {
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Copying", "table a").ok());
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Copying", "table b").ok());
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kWarning, "Copying", "table b").ok());
  auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& request : seen) EXPECT_EQ(request.method, "POST");
}

TEST_F(EventRecorderTest, AnExpiredEventIsCreatedAgain) {
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Syncing", "in sync").ok());
  patch_not_found_ = true;
  ASSERT_TRUE(recorder_->Record(kMigration, EventType::kNormal, "Syncing", "in sync").ok());
  auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[2].method, "POST");
  EXPECT_EQ(Json::parse(seen[2].body)["count"], 1);
}

TEST_F(EventRecorderTest, AnObjectWithoutANameIsRefused) {
  EXPECT_EQ(recorder_->Record(Json::object(), EventType::kNormal, "R", "m").code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(server_->requests().empty());
}

}  // namespace
}  // namespace pgferry::kube
