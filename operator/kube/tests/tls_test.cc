// HttpKubeClient over HTTPS: the server is verified against the configured CA only.
#include <gtest/gtest.h>

#include "operator/kube/http_kube_client.h"
#include "operator/kube/tests/test_api_server.h"
#include "operator/kube/tests/test_certs.h"

namespace pgferry::kube {
namespace {

using testing::MakeTestCertificates;
using testing::ReplyJson;
using testing::SeenRequest;
using testing::StreamingReply;
using testing::TestApiServer;
using testing::TestCertificates;
using web::http::http_request;

class TlsTest : public ::testing::Test {
 protected:
  void Serve(bool require_client_cert = false) {
    TestApiServer::Tls tls{certs_.server_cert_pem, certs_.server_key_pem,
                           require_client_cert ? certs_.ca_pem : ""};
    server_ = std::make_unique<TestApiServer>(
        [](http_request request, const SeenRequest& seen) {
          if (seen.query.find("watch=true") != std::string::npos) {
            StreamingReply reply(request);
            reply.Write(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"3"}}})"
                        "\n");
            reply.Close();
            return;
          }
          ReplyJson(request, 200, R"({"kind":"Secret","metadata":{"name":"db"}})");
        },
        tls);
  }

  KubeConfig Config() const {
    KubeConfig config;
    config.server = server_->url();
    config.source = "kubeconfig /tmp/test, context tls";
    return config;
  }

  Result<Json> GetWith(const KubeConfig& config) {
    auto client = HttpKubeClient::FromConfig(config);
    if (!client.ok()) return client.status();
    return (*client)->Get(SecretsResource(), "apps", "db");
  }

  TestCertificates certs_ = MakeTestCertificates("cluster CA");
  std::unique_ptr<TestApiServer> server_;
};

TEST_F(TlsTest, TheConfiguredCaIsTrusted) {
  Serve();
  KubeConfig config = Config();
  config.ca_pem = certs_.ca_pem;
  auto secret = GetWith(config);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ((*secret)["metadata"]["name"], "db");
}

TEST_F(TlsTest, AWrongCaIsAClearCertificateError) {
  Serve();
  KubeConfig config = Config();
  config.ca_pem = MakeTestCertificates("some other CA").ca_pem;
  auto secret = GetWith(config);
  EXPECT_EQ(secret.status().code(), StatusCode::kFailedPrecondition);
  const std::string& message = secret.status().message();
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
  EXPECT_NE(message.find(server_->url()), std::string::npos) << message;
  EXPECT_NE(message.find("kubeconfig /tmp/test"), std::string::npos) << message;
}

TEST_F(TlsTest, WithoutACaOnlySystemRootsAreTrusted) {
  Serve();
  auto secret = GetWith(Config());
  EXPECT_EQ(secret.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(secret.status().message().find("system's CA certificates"), std::string::npos)
      << secret.status().message();
}

TEST_F(TlsTest, InsecureSkipVerifyAcceptsAnyCertificate) {
  Serve();
  KubeConfig config = Config();
  config.insecure_skip_tls_verify = true;
  EXPECT_TRUE(GetWith(config).ok());
}

TEST_F(TlsTest, ClientCertificateIsPresentedWhenConfigured) {
  Serve(/*require_client_cert=*/true);
  KubeConfig config = Config();
  config.ca_pem = certs_.ca_pem;
  auto refused = GetWith(config);  // no certificate sent
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("refused the TLS client certificate"),
            std::string::npos)
      << refused.status().message();

  config.client_cert_pem = certs_.client_cert_pem;
  config.client_key_pem = certs_.client_key_pem;
  auto secret = GetWith(config);
  EXPECT_TRUE(secret.ok()) << secret.status().ToString();

  TestCertificates stranger = MakeTestCertificates("a CA the server does not know");
  config.client_cert_pem = stranger.client_cert_pem;
  config.client_key_pem = stranger.client_key_pem;
  EXPECT_EQ(GetWith(config).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TlsTest, WatchWorksOverTls) {
  Serve();
  KubeConfig config = Config();
  config.ca_pem = certs_.ca_pem;
  auto client = HttpKubeClient::FromConfig(config);
  ASSERT_TRUE(client.ok());
  int events = 0;
  Status st = (*client)->Watch(SecretsResource(), "apps", {}, std::stop_token(),
                               [&](const WatchEvent&) { return ++events > 0; });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(events, 1);
}

TEST_F(TlsTest, UnusableTlsMaterialIsRefusedBeforeAnyRequest) {
  Serve();
  KubeConfig config = Config();
  config.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(HttpKubeClient::FromConfig(config).status().code(), StatusCode::kInvalidArgument);

  config.ca_pem = certs_.ca_pem;
  config.client_cert_pem = certs_.client_cert_pem;
  config.client_key_pem = MakeTestCertificates().client_key_pem;  // another key
  auto mismatched = HttpKubeClient::FromConfig(config);
  EXPECT_EQ(mismatched.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.status().message().find("does not match"), std::string::npos)
      << mismatched.status().message();
}

}  // namespace
}  // namespace pgferry::kube
