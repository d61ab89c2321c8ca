// An operator-style client (cpprestsdk over TLS with a bearer token, like operator/kube) against
// the in-process server: list, then watch from the list's resourceVersion while a status update
// is written with a stale and then the current resourceVersion.
#define _TURN_OFF_PLATFORM_STRING  // cpprestsdk's U() macro clashes with GoogleTest templates
#include <cpprest/http_client.h>
#include <gmock/gmock.h>

#include "tests/e2e/kube_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;
using fakeapi::Json;
namespace http = web::http;

const char* kCollection = "/apis/pgferry.io/v1alpha1/namespaces/default/pgmigrations";

class CppRestClientTest : public KubeTest {
 protected:
  void SetUp() override {
    KubeTest::SetUp();
    fakeapi::FakeApiServerOptions options;
    options.tls = true;
    options.token = "operator-token";
    StartServer(options);
    InstallCrd();
    ASSERT_EQ(Apply(SampleMigration("orders")).exit_code, 0);
    http::client::http_client_config config;
    std::string ca = server_->ca_pem();
    config.set_ssl_context_callback([ca](boost::asio::ssl::context& ctx) {
      ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
    });
    config.set_timeout(std::chrono::seconds(30));
    client_ = std::make_unique<http::client::http_client>(server_->url(), config);
  }

  http::http_response Send(const http::method& method, const std::string& path,
                           const std::string& body = "",
                           const std::string& content_type = "application/json") {
    http::http_request req(method);
    req.set_request_uri(path);
    req.headers().add("Authorization", "Bearer operator-token");
    req.headers().add("Accept", "application/json");
    if (!body.empty()) req.set_body(body, content_type);
    return client_->request(req).get();
  }

  std::unique_ptr<http::client::http_client> client_;
};

TEST_F(CppRestClientTest, ListWatchAndStatusUpdatesWithResourceVersions) {
  http::http_response list = Send(http::methods::GET, kCollection);
  ASSERT_EQ(list.status_code(), 200);
  Json list_body = Json::parse(list.extract_utf8string().get());
  EXPECT_EQ(list_body["kind"], "PgMigrationList");
  ASSERT_EQ(list_body["items"].size(), 1u);
  std::string list_rv = list_body["metadata"]["resourceVersion"];
  Json obj = list_body["items"][0];
  std::string stale_rv = obj["metadata"]["resourceVersion"];

  // The watch runs in the background while the status is written.
  http::http_request watch_req(http::methods::GET);
  watch_req.set_request_uri(std::string(kCollection) + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + list_rv);
  watch_req.headers().add("Authorization", "Bearer operator-token");
  http::http_response watch = client_->request(watch_req).get();
  ASSERT_EQ(watch.status_code(), 200);
  auto stream = watch.body();

  ASSERT_EQ(Kubectl({"label", "pgm", "orders", "owner=ops"}).exit_code, 0);  // moves the RV on
  obj["status"] = {{"phase", "Running"}, {"observedGeneration", 1}};
  http::http_response conflict =
      Send(http::methods::PUT, std::string(kCollection) + "/orders/status", obj.dump());
  EXPECT_EQ(conflict.status_code(), 409);
  Json status = Json::parse(conflict.extract_utf8string().get());
  EXPECT_EQ(status["reason"], "Conflict");

  Json fresh = Json::parse(Send(http::methods::GET, std::string(kCollection) + "/orders")
                               .extract_utf8string()
                               .get());
  fresh["status"] = {{"phase", "Running"}, {"observedGeneration", 1}};
  http::http_response ok =
      Send(http::methods::PUT, std::string(kCollection) + "/orders/status", fresh.dump());
  ASSERT_EQ(ok.status_code(), 200);
  Json updated = Json::parse(ok.extract_utf8string().get());
  EXPECT_EQ(updated["status"]["phase"], "Running");
  EXPECT_EQ(updated["metadata"]["generation"], 1);
  EXPECT_NE(updated["metadata"]["resourceVersion"], stale_rv);

  // Events arrive as JSON lines: the label change, then the status change.
  std::vector<Json> events;
  while (events.size() < 2) {
    concurrency::streams::container_buffer<std::string> line;
    size_t n = stream.read_line(line).get();
    if (n == 0 && stream.is_eof()) break;
    if (line.collection().empty()) continue;
    Json e = Json::parse(line.collection());
    if (e["type"] != "BOOKMARK") events.push_back(e);
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["metadata"]["labels"]["owner"], "ops");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["status"]["phase"], "Running");

  http::http_response unauthorized = [&] {
    http::http_request req(http::methods::GET);
    req.set_request_uri(kCollection);
    return client_->request(req).get();
  }();
  EXPECT_EQ(unauthorized.status_code(), 401);
}

}  // namespace
}  // namespace pgferry::e2e
