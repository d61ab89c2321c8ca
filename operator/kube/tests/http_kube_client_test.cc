// HttpKubeClient against a scripted server: what goes on the wire, and how answers come back.
#include "operator/kube/http_kube_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "operator/kube/api_error.h"
#include "operator/kube/tests/test_api_server.h"

namespace pgferry::kube {
namespace {

using testing::ReplyJson;
using testing::SeenRequest;
using testing::StatusBody;
using testing::StreamingReply;
using testing::TestApiServer;
using web::http::http_request;

std::unique_ptr<HttpKubeClient> ClientFor(const TestApiServer& server,
                                          std::string token = "t0k3n") {
  KubeConfig config;
  config.server = server.url();
  config.token = std::move(token);
  config.source = "test config";
  auto client = HttpKubeClient::FromConfig(config);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return std::move(client).value();
}

Json Secret(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "apps"}}},
          {"stringData", {{"password", "s3cret"}}}};
}

TEST(HttpKubeClient, GetSendsTheTokenAndReturnsTheObject) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 200, R"({"kind":"Secret","metadata":{"name":"db","resourceVersion":"7"}})");
  });
  auto client = ClientFor(server);
  auto secret = client->Get(SecretsResource(), "apps", "db");
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ((*secret)["metadata"]["resourceVersion"], "7");

  auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/api/v1/namespaces/apps/secrets/db");
  EXPECT_EQ(seen.Header("Authorization"), "Bearer t0k3n");
  EXPECT_EQ(seen.Header("Accept"), "application/json");
  EXPECT_EQ(seen.Header("User-Agent"), "pgferry");
}

TEST(HttpKubeClient, MissingObjectIsNotFound) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 404, StatusBody(404, "NotFound", "secrets \"nope\" not found"));
  });
  auto secret = ClientFor(server)->Get(SecretsResource(), "apps", "nope");
  EXPECT_EQ(secret.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(secret.status().message(), "secrets \"nope\" not found");
}

TEST(HttpKubeClient, CreatePostsToTheObjectsNamespace) {
  TestApiServer server([](http_request request, const SeenRequest& seen) {
    Json body = Json::parse(seen.body);
    body["metadata"]["resourceVersion"] = "1";
    ReplyJson(request, 201, body.dump());
  });
  auto created = ClientFor(server)->Create(SecretsResource(), Secret("db"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["metadata"]["resourceVersion"], "1");
  auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/api/v1/namespaces/apps/secrets");
  EXPECT_EQ(seen.Header("Content-Type"), "application/json");
  EXPECT_EQ(Json::parse(seen.body), Secret("db"));
}

TEST(HttpKubeClient, CreatingTwiceIsAlreadyExists) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 409, StatusBody(409, "AlreadyExists", "secrets \"db\" already exists"));
  });
  auto created = ClientFor(server)->Create(SecretsResource(), Secret("db"));
  EXPECT_EQ(created.status().code(), StatusCode::kAlreadyExists);
}

TEST(HttpKubeClient, StaleUpdateIsAConflict) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(
        request, 409,
        StatusBody(409, "Conflict",
                   "Operation cannot be fulfilled on secrets \"db\": the object has been "
                   "modified; please apply your changes to the latest version and try again"));
  });
  Json stale = Secret("db");
  stale["metadata"]["resourceVersion"] = "3";
  auto updated = ClientFor(server)->Update(SecretsResource(), stale);
  EXPECT_EQ(updated.status().code(), StatusCode::kConflict);
  auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.path, "/api/v1/namespaces/apps/secrets/db");
  EXPECT_EQ(Json::parse(seen.body)["metadata"]["resourceVersion"], "3");
}

TEST(HttpKubeClient, UpdateNeedsAName) {
  TestApiServer server(
      [](http_request request, const SeenRequest&) { ReplyJson(request, 200, "{}"); });
  Json nameless = Secret("");
  EXPECT_EQ(ClientFor(server)->Update(SecretsResource(), nameless).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpKubeClient, StatusWritesGoToTheStatusSubresource) {
  TestApiServer server(
      [](http_request request, const SeenRequest&) { ReplyJson(request, 200, "{}"); });
  auto client = ClientFor(server);
  Json migration = {{"apiVersion", "pgferry.io/v1alpha1"},
                    {"kind", "PgMigration"},
                    {"metadata", {{"name", "orders"}, {"namespace", "apps"}}},
                    {"status", {{"phase", "Running"}}}};
  ASSERT_TRUE(client->UpdateStatus(PgMigrationsResource(), migration).ok());
  ASSERT_TRUE(client
                  ->PatchStatus(PgMigrationsResource(), "apps", "orders", PatchType::kMerge,
                                {{"status", {{"phase", "Syncing"}}}})
                  .ok());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].path, "/apis/pgferry.io/v1alpha1/namespaces/apps/pgmigrations/orders/status");
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[1].path, "/apis/pgferry.io/v1alpha1/namespaces/apps/pgmigrations/orders/status");
  EXPECT_EQ(seen[1].Header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(Json::parse(seen[1].body)["status"]["phase"], "Syncing");
}

TEST(HttpKubeClient, PatchTypesSetTheirContentTypes) {
  TestApiServer server(
      [](http_request request, const SeenRequest&) { ReplyJson(request, 200, "{}"); });
  auto client = ClientFor(server);
  ASSERT_TRUE(client
                  ->Patch(LeasesResource(), "apps", "leader", PatchType::kMerge,
                          {{"spec", {{"holderIdentity", "a"}}}})
                  .ok());
  Json ops = Json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", "5"}},
                          {{"op", "replace"}, {"path", "/spec/holderIdentity"}, {"value", "b"}}});
  ASSERT_TRUE(client->Patch(LeasesResource(), "apps", "leader", PatchType::kJson, ops).ok());
  auto seen = server.requests();
  EXPECT_EQ(seen[0].path, "/apis/coordination.k8s.io/v1/namespaces/apps/leases/leader");
  EXPECT_EQ(seen[0].Header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(seen[1].Header("Content-Type"), "application/json-patch+json");
  EXPECT_EQ(Json::parse(seen[1].body), ops);
}

TEST(HttpKubeClient, DeleteSendsPolicyAndPreconditions) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 200, R"({"kind":"Status","apiVersion":"v1","status":"Success"})");
  });
  DeleteOptions options;
  options.propagation_policy = "Foreground";
  options.precondition_uid = "u-1";
  options.precondition_resource_version = "9";
  options.grace_period_seconds = 0;
  auto deleted = ClientFor(server)->Delete(SecretsResource(), "apps", "db", options);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ((*deleted)["kind"], "Status");
  auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "DELETE");
  EXPECT_EQ(seen.path, "/api/v1/namespaces/apps/secrets/db");
  Json body = Json::parse(seen.body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["gracePeriodSeconds"], 0);
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "9");
}

TEST(HttpKubeClient, ListPassesSelectorsAndVersion) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 200,
              R"({"kind":"SecretList","metadata":{"resourceVersion":"40"},"items":[]})");
  });
  ListOptions options;
  options.label_selector = "app=pgferry";
  options.field_selector = "metadata.name=db";
  options.resource_version = "0";
  auto list = ClientFor(server)->List(SecretsResource(), "apps", options);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["metadata"]["resourceVersion"], "40");
  EXPECT_EQ(server.requests().at(0).query,
            "labelSelector=app%3Dpgferry&fieldSelector=metadata.name%3Ddb&resourceVersion=0");
}

TEST(HttpKubeClient, InvalidObjectNamesTheFields) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    Json body = Json::parse(StatusBody(422, "Invalid", "Secret \"db\" is invalid"));
    body["details"]["causes"] = {
        {{"reason", "FieldValueInvalid"},
         {"message", "Invalid value: \"x y\": a lowercase RFC 1123 subdomain"},
         {"field", "metadata.name"}}};
    ReplyJson(request, 422, body.dump());
  });
  auto created = ClientFor(server)->Create(SecretsResource(), Secret("x y"));
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("metadata.name: Invalid value"), std::string::npos)
      << created.status().message();
}

TEST(HttpKubeClient, TooManyRequestsWithRetryAfterIsRetried) {
  std::atomic<int> calls{0};
  TestApiServer server([&calls](http_request request, const SeenRequest&) {
    if (calls++ < 2) {
      web::http::http_response response(429);
      response.headers().add("Retry-After", "0");
      response.set_body(StatusBody(429, "TooManyRequests", "slow down"), "application/json");
      request.reply(response).wait();
      return;
    }
    ReplyJson(request, 200, R"({"kind":"Secret"})");
  });
  auto secret = ClientFor(server)->Get(SecretsResource(), "apps", "db");
  EXPECT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(calls.load(), 3);
}

TEST(HttpKubeClient, RejectedTokenIsUnauthenticatedAndSaysWhere) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 401, StatusBody(401, "Unauthorized", "Unauthorized"));
  });
  auto secret = ClientFor(server, "wrong")->Get(SecretsResource(), "apps", "db");
  EXPECT_EQ(secret.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(secret.status().message().find(server.url()), std::string::npos);
  EXPECT_NE(secret.status().message().find("test config"), std::string::npos);
}

TEST(HttpKubeClient, ForbiddenIsPermissionDenied) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 403,
              StatusBody(403, "Forbidden",
                         "secrets \"db\" is forbidden: User \"system:serviceaccount:x:y\" cannot "
                         "get resource \"secrets\""));
  });
  auto secret = ClientFor(server)->Get(SecretsResource(), "apps", "db");
  EXPECT_EQ(secret.status().code(), StatusCode::kPermissionDenied);
}

TEST(HttpKubeClient, UnreachableServerIsUnavailable) {
  std::string url;
  {
    TestApiServer server(
        [](http_request request, const SeenRequest&) { ReplyJson(request, 200, "{}"); });
    url = server.url();
  }  // closed: nothing listens there now
  KubeConfig config;
  config.server = url;
  config.source = "test";
  auto client = HttpKubeClient::FromConfig(config);
  ASSERT_TRUE(client.ok());
  auto secret = (*client)->Get(SecretsResource(), "apps", "db");
  EXPECT_EQ(secret.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(secret.status().message().find(url), std::string::npos) << secret.status().message();
}

TEST(HttpKubeClient, GetPathReachesNonResourceEndpoints) {
  TestApiServer server([](http_request request, const SeenRequest&) {
    ReplyJson(request, 200, R"({"major":"1","minor":"32"})");
  });
  auto client = ClientFor(server);
  auto version = client->GetPath("/version?timeout=5s");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ((*version)["minor"], "32");
  EXPECT_EQ(server.requests().at(0).path, "/version");
  EXPECT_EQ(client->GetPath("/a b{").status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpKubeClient, BadServerUrlIsRefusedUpFront) {
  KubeConfig config;
  config.server = "ftp://example.com";
  EXPECT_EQ(HttpKubeClient::FromConfig(config).status().code(), StatusCode::kInvalidArgument);
}

// --- watch ---

const std::string kAdded =
    R"({"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"a","resourceVersion":"11"}}})"
    "\n";
const std::string kModified =
    R"({"type":"MODIFIED","object":{"kind":"Secret","metadata":{"name":"a","resourceVersion":"12"}}})"
    "\n";
const std::string kBookmark =
    R"({"type":"BOOKMARK","object":{"kind":"Secret","apiVersion":"v1","metadata":{"resourceVersion":"15"}}})"
    "\n";
const std::string kDeleted =
    R"({"type":"DELETED","object":{"kind":"Secret","metadata":{"name":"a","resourceVersion":"16"}}})"
    "\n";

TEST(HttpKubeClientWatch, EventsArriveInOrderAsTheyAreSentEvenWhenSplit) {
  std::promise<void> first_seen;
  auto first_seen_future = first_seen.get_future().share();
  TestApiServer server([&](http_request request, const SeenRequest&) {
    StreamingReply reply(request);
    reply.Write(kAdded.substr(0, 25));  // half an event
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    reply.Write(kAdded.substr(25) + kModified.substr(0, 10));
    // The client must hand over ADDED before the rest of the stream exists.
    first_seen_future.wait_for(std::chrono::seconds(5));
    reply.Write(kModified.substr(10) + kBookmark + kDeleted);
    reply.Close();
  });
  WatchOptions options;
  options.resource_version = "10";
  options.label_selector = "app=pgferry";
  options.timeout_seconds = 120;
  std::vector<std::string> seen;
  Status st = ClientFor(server)->Watch(
      SecretsResource(), "apps", options, std::stop_token(), [&](const WatchEvent& event) {
        seen.push_back(std::string(WatchEventTypeName(event.type)) + "@" + event.ResourceVersion());
        if (seen.size() == 1) first_seen.set_value();
        return true;
      });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(seen,
            (std::vector<std::string>{"ADDED@11", "MODIFIED@12", "BOOKMARK@15", "DELETED@16"}));
  auto request = server.requests().at(0);
  EXPECT_EQ(request.path, "/api/v1/namespaces/apps/secrets");
  EXPECT_EQ(request.query,
            "watch=true&resourceVersion=10&labelSelector=app%3Dpgferry&allowWatchBookmarks=true&"
            "timeoutSeconds=120");
  EXPECT_EQ(request.Header("Authorization"), "Bearer t0k3n");
}

TEST(HttpKubeClientWatch, ExpiredVersionEndsTheWatchWithGone) {
  TestApiServer server([&](http_request request, const SeenRequest&) {
    StreamingReply reply(request);
    reply.Write(
        R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)"
        R"J("status":"Failure","message":"too old resource version: 3 (40)","reason":"Expired",)J"
        R"("code":410}})"
        "\n");
    reply.Close();
  });
  std::vector<WatchEventType> types;
  Status st = ClientFor(server)->Watch(SecretsResource(), "apps", {}, std::stop_token(),
                                       [&](const WatchEvent& event) {
                                         types.push_back(event.type);
                                         return true;
                                       });
  EXPECT_TRUE(IsGone(st)) << st.ToString();
  EXPECT_EQ(types, std::vector<WatchEventType>{WatchEventType::kError});
}

TEST(HttpKubeClientWatch, RefusedWatchReturnsTheApiError) {
  TestApiServer server([&](http_request request, const SeenRequest&) {
    ReplyJson(request, 403, StatusBody(403, "Forbidden", "secrets is forbidden"));
  });
  Status st = ClientFor(server)->Watch(SecretsResource(), "apps", {}, std::stop_token(),
                                       [](const WatchEvent&) { return true; });
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
}

TEST(HttpKubeClientWatch, HandlerCanEndTheWatchWhileTheServerKeepsItOpen) {
  std::promise<void> release;
  auto released = release.get_future().share();
  TestApiServer server([&](http_request request, const SeenRequest&) {
    StreamingReply reply(request);
    reply.Write(kAdded + kModified);
    released.wait_for(std::chrono::seconds(10));
    reply.Close();
  });
  auto started = std::chrono::steady_clock::now();
  int calls = 0;
  Status st = ClientFor(server)->Watch(SecretsResource(), "apps", {}, std::stop_token(),
                                       [&](const WatchEvent&) {
                                         ++calls;
                                         return false;
                                       });
  release.set_value();
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(HttpKubeClientWatch, StopRequestEndsAQuietWatchPromptly) {
  std::promise<void> release;
  auto released = release.get_future().share();
  TestApiServer server([&](http_request request, const SeenRequest&) {
    StreamingReply reply(request);
    reply.Write(kAdded);
    released.wait_for(std::chrono::seconds(10));
    reply.Close();
  });
  std::stop_source stop;
  std::atomic<bool> got_event{false};
  auto client = ClientFor(server);
  auto result = std::async(std::launch::async, [&] {
    return client->Watch(SecretsResource(), "apps", {}, stop.get_token(), [&](const WatchEvent&) {
      got_event = true;
      return true;
    });
  });
  while (!got_event) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto stopped_at = std::chrono::steady_clock::now();
  stop.request_stop();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(result.get().code(), StatusCode::kAborted);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(2));
  release.set_value();
}

}  // namespace
}  // namespace pgferry::kube
