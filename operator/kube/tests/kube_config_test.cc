// Kubeconfig files, in-cluster service-account files and the order between them.
#include "operator/kube/kube_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "operator/kube/tests/test_certs.h"

namespace pgferry::kube {
namespace {

using testing::MakeTestCertificates;
using testing::TestCertificates;

std::string Base64(const std::string& data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = uint8_t(data[i]) << 16;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63],
                       kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

// A scratch directory, removed with everything in it; restores the environment it touched.
class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pgferry-kubeconfig-XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (const char* name :
         {"KUBECONFIG", "HOME", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"}) {
      const char* value = getenv(name);
      saved_env_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
      unsetenv(name);
    }
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    for (const auto& [name, value] : saved_env_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::filesystem::path path = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  InClusterPaths ServiceAccount(const std::string& token, const std::string& ca,
                                const std::string& ns) {
    InClusterPaths paths;
    paths.token = Write("sa/token", token);
    paths.ca_cert = Write("sa/ca.crt", ca);
    paths.namespace_file = Write("sa/namespace", ns);
    return paths;
  }

  std::string dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_env_;
  TestCertificates certs_ = MakeTestCertificates();
};

std::string TokenKubeconfig(const std::string& server, const std::string& cluster_extra = "") {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n- name: dev\n  cluster:\n    server: " +
         server + "\n" + cluster_extra +
         "users:\n- name: admin\n  user:\n    token: abc123\n"
         "contexts:\n- name: dev\n  context: {cluster: dev, user: admin, namespace: apps}\n"
         "current-context: dev\n";
}

TEST_F(KubeConfigTest, TokenUserAndContextNamespace) {
  std::string path = Write("config", TokenKubeconfig("https://10.0.0.1:6443/"));
  auto config = LoadKubeconfigFiles({path});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->token, "abc123");
  EXPECT_EQ(config->default_namespace, "apps");
  EXPECT_TRUE(config->ca_pem.empty());
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->source, "kubeconfig " + path + ", context dev");
}

TEST_F(KubeConfigTest, PlainHttpServerForTests) {
  auto config = LoadKubeconfigFiles({Write("config", TokenKubeconfig("http://127.0.0.1:18080"))});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "http://127.0.0.1:18080");
}

TEST_F(KubeConfigTest, EmbeddedCaAndClientCertificateData) {
  std::string text =
      "clusters:\n- name: c\n  cluster:\n    server: https://k8s.example:443\n"
      "    certificate-authority-data: " +
      Base64(certs_.ca_pem) +
      "\n"
      "users:\n- name: u\n  user:\n"
      "    client-certificate-data: " +
      Base64(certs_.client_cert_pem) +
      "\n"
      "    client-key-data: " +
      Base64(certs_.client_key_pem) +
      "\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
  auto config = LoadKubeconfigFiles({Write("config", text)});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca_pem, certs_.ca_pem);
  EXPECT_EQ(config->client_cert_pem, certs_.client_cert_pem);
  EXPECT_EQ(config->client_key_pem, certs_.client_key_pem);
  EXPECT_EQ(config->default_namespace, "default");
  EXPECT_TRUE(config->token.empty());
}

TEST_F(KubeConfigTest, CertificateFilesAreRelativeToTheKubeconfig) {
  Write("kube/pki/ca.crt", certs_.ca_pem);
  Write("kube/pki/client.crt", certs_.client_cert_pem);
  Write("kube/pki/client.key", certs_.client_key_pem);
  Write("kube/token", "  from-file\n");
  std::string text =
      "clusters:\n- name: c\n  cluster: {server: 'https://k8s:6443', certificate-authority: "
      "pki/ca.crt}\n"
      "users:\n- name: u\n  user: {client-certificate: pki/client.crt, client-key: pki/client.key, "
      "tokenFile: token}\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
  auto config = LoadKubeconfigFiles({Write("kube/config", text)});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca_pem, certs_.ca_pem);
  EXPECT_EQ(config->client_key_pem, certs_.client_key_pem);
  EXPECT_EQ(config->token, "from-file");
  EXPECT_EQ(config->token_file, dir_ + "/kube/token");
}

TEST_F(KubeConfigTest, InsecureSkipTlsVerify) {
  auto config = LoadKubeconfigFiles({Write(
      "config", TokenKubeconfig("https://k8s:6443", "    insecure-skip-tls-verify: true\n"))});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->insecure_skip_tls_verify);
}

TEST_F(KubeConfigTest, ExplicitContextOverridesCurrentContext) {
  std::string text =
      "clusters:\n- name: one\n  cluster: {server: 'https://one:6443'}\n"
      "- name: two\n  cluster: {server: 'https://two:6443'}\n"
      "contexts:\n- name: a\n  context: {cluster: one}\n- name: b\n  context: {cluster: two}\n"
      "current-context: a\n";
  std::string path = Write("config", text);
  EXPECT_EQ(LoadKubeconfigFiles({path})->server, "https://one:6443");
  EXPECT_EQ(LoadKubeconfigFiles({path}, "b")->server, "https://two:6443");
}

TEST_F(KubeConfigTest, ErrorsNameTheFileTheEntryAndTheField) {
  struct Case {
    std::string text;
    std::vector<std::string> expected;
  };
  std::vector<Case> cases = {
      {"clusters: []\n", {"current-context is not set"}},
      {"current-context: nope\ncontexts: []\n", {"context \"nope\" is not defined"}},
      {TokenKubeconfig("https://k8s:6443", "    certificate-authority-data: '%%%'\n"),
       {"cluster \"dev\"", "certificate-authority-data", "base64"}},
      {TokenKubeconfig("https://k8s:6443",
                       "    certificate-authority-data: " + Base64("not a certificate") + "\n"),
       {"cluster \"dev\"", "certificate-authority-data: no PEM certificate"}},
      {TokenKubeconfig("k8s.example:6443"), {"server", "https://"}},
      {TokenKubeconfig("https://k8s:6443", "    certificate-authority: missing.crt\n"),
       {"cluster \"dev\"", "certificate-authority", "missing.crt"}},
      {TokenKubeconfig("https://k8s:6443",
                       "    insecure-skip-tls-verify: true\n"
                       "    certificate-authority-data: " +
                           Base64(MakeTestCertificates().ca_pem) + "\n"),
       {"cannot both be set"}},
      {"clusters:\n- name: c\n  cluster: {server: 'https://k8s'}\n"
       "users:\n- name: u\n  user:\n    exec: {command: aws}\n"
       "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
       {"user \"u\"", "exec is not supported"}},
      {"clusters:\n- name: c\n  cluster: {server: 'https://k8s'}\n"
       "users:\n- name: u\n  user: {client-certificate-data: " +
           Base64(MakeTestCertificates().client_cert_pem) +
           "}\n"
           "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
       {"user \"u\"", "client-certificate is set without client-key"}},
      {"clusters: [\n", {"not valid YAML"}},
  };
  for (const auto& c : cases) {
    std::string path = Write("bad-config", c.text);
    auto config = LoadKubeconfigFiles({path});
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.status().message().find("kubeconfig " + path), std::string::npos)
        << config.status().message();
    for (const auto& part : c.expected)
      EXPECT_NE(config.status().message().find(part), std::string::npos)
          << "want \"" << part << "\" in: " << config.status().message();
  }
}

TEST_F(KubeConfigTest, MissingExplicitFileIsNotFound) {
  auto config = LoadKubeconfigFiles({dir_ + "/nope"});
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(config.status().message().find(dir_ + "/nope"), std::string::npos);
}

TEST_F(KubeConfigTest, SeveralFilesMergeFirstDefinitionWins) {
  std::string first = Write("a",
                            "current-context: dev\n"
                            "clusters:\n- name: dev\n  cluster: {server: 'https://first:1'}\n");
  std::string second = Write("b", "current-context: other\n" + TokenKubeconfig("https://second:2"));
  auto config = LoadKubeconfigFiles({dir_ + "/missing", first, second});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://first:1");  // cluster from the first file
  EXPECT_EQ(config->token, "abc123");            // user and context from the second
}

TEST_F(KubeConfigTest, InClusterFromServiceAccountFiles) {
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = LoadInClusterConfig(ServiceAccount("sa-token\n", certs_.ca_pem, "pgferry-system"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->token, "sa-token");
  EXPECT_EQ(config->token_file, dir_ + "/sa/token");
  EXPECT_EQ(config->ca_pem, certs_.ca_pem);
  EXPECT_EQ(config->default_namespace, "pgferry-system");
  EXPECT_EQ(config->source, "in-cluster service account");
}

TEST_F(KubeConfigTest, InClusterIpv6ServiceAddress) {
  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = LoadInClusterConfig(ServiceAccount("t", certs_.ca_pem, "ns"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
}

TEST_F(KubeConfigTest, InClusterErrorsNameWhatIsMissing) {
  EXPECT_EQ(LoadInClusterConfig().status().code(), StatusCode::kFailedPrecondition);
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  InClusterPaths paths = ServiceAccount("t", certs_.ca_pem, "ns");
  paths.token = dir_ + "/sa/absent";
  auto config = LoadInClusterConfig(paths);
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(config.status().message().find(dir_ + "/sa/absent"), std::string::npos);

  paths = ServiceAccount("t", "garbage", "ns");
  config = LoadInClusterConfig(paths);
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("ca.crt"), std::string::npos);
}

TEST_F(KubeConfigTest, SelectionOrderFlagThenEnvThenInClusterThenHome) {
  std::string flag_file = Write("flag", TokenKubeconfig("https://flag:1"));
  std::string env_file = Write("env", TokenKubeconfig("https://env:2"));
  Write("home/.kube/config", TokenKubeconfig("https://home:4"));
  KubeConfigSelection selection;
  selection.in_cluster = ServiceAccount("t", certs_.ca_pem, "ns");
  setenv("HOME", (dir_ + "/home").c_str(), 1);
  setenv("KUBERNETES_SERVICE_HOST", "incluster", 1);
  setenv("KUBERNETES_SERVICE_PORT", "3", 1);
  setenv("KUBECONFIG", env_file.c_str(), 1);
  selection.kubeconfig_flag = flag_file;

  EXPECT_EQ(LoadKubeConfig(selection)->server, "https://flag:1");
  selection.kubeconfig_flag.clear();
  EXPECT_EQ(LoadKubeConfig(selection)->server, "https://env:2");
  unsetenv("KUBECONFIG");
  EXPECT_EQ(LoadKubeConfig(selection)->server, "https://incluster:3");
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(LoadKubeConfig(selection)->server, "https://home:4");
  setenv("HOME", dir_.c_str(), 1);
  auto none = LoadKubeConfig(selection);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("~/.kube/config"), std::string::npos);
}

}  // namespace
}  // namespace pgferry::kube
