// In-cluster loading and the choice between the configuration sources.
// Kubeconfig files are parsed in kubeconfig_file.cc.
#include "operator/kube/kube_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/kube/file_util.h"
#include "operator/kube/tls_context.h"

namespace pgferry::kube {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::vector<std::string> SplitPathList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ':')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

bool RunningInCluster() {
  return !Env("KUBERNETES_SERVICE_HOST").empty() && !Env("KUBERNETES_SERVICE_PORT").empty();
}

Result<KubeConfig> LoadInClusterConfig(const InClusterPaths& paths) {
  std::string host = Env("KUBERNETES_SERVICE_HOST");
  std::string port = Env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty())
    return FailedPrecondition(
        "not running in a Kubernetes cluster: KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT must be set");

  KubeConfig config;
  config.source = "in-cluster service account";
  // An IPv6 service address needs brackets in a URL.
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  config.server = "https://" + host + ":" + port;

  auto token = ReadTextFile(paths.token);
  if (!token.ok()) return token.status().Prefixed("in-cluster service-account token");
  config.token = TrimSpace(*token);
  if (config.token.empty())
    return InvalidArgument("in-cluster service-account token " + paths.token + " is empty");
  config.token_file = paths.token;

  auto ca = ReadTextFile(paths.ca_cert);
  if (!ca.ok()) return ca.status().Prefixed("in-cluster CA certificate");
  Status ca_ok = CheckCertificatesPem(*ca);
  if (!ca_ok.ok()) return ca_ok.Prefixed("in-cluster CA certificate " + paths.ca_cert);
  config.ca_pem = std::move(*ca);

  // The namespace file is optional (client-go falls back to "default" as well).
  if (std::filesystem::exists(paths.namespace_file)) {
    auto ns = ReadTextFile(paths.namespace_file);
    if (ns.ok() && !TrimSpace(*ns).empty()) config.default_namespace = TrimSpace(*ns);
  }
  return config;
}

Result<KubeConfig> LoadKubeConfig(const KubeConfigSelection& selection) {
  if (!selection.kubeconfig_flag.empty())
    return LoadKubeconfigFiles({selection.kubeconfig_flag}, selection.context);

  std::string env = Env("KUBECONFIG");
  if (!env.empty()) {
    std::vector<std::string> paths = SplitPathList(env);
    if (!paths.empty()) return LoadKubeconfigFiles(paths, selection.context);
  }

  if (RunningInCluster()) return LoadInClusterConfig(selection.in_cluster);

  std::string home = Env("HOME");
  if (!home.empty()) {
    std::string path = home + "/.kube/config";
    if (std::filesystem::exists(path)) return LoadKubeconfigFiles({path}, selection.context);
  }
  return NotFound(
      "no Kubernetes configuration found: --kubeconfig was not given, KUBECONFIG is not set, "
      "KUBERNETES_SERVICE_HOST is not set (not in a cluster) and ~/.kube/config does not exist");
}

}  // namespace pgferry::kube
