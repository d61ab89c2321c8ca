// KubeConfig: where the API server is and how to authenticate to it.
//
// Loaded either from the pod's service account (in-cluster) or from kubeconfig files, in the
// order client-go and controller-runtime use:
//   1. the --kubeconfig flag, 2. $KUBECONFIG (colon-separated files, merged: the first file that
//   names a context, cluster or user wins), 3. in-cluster (KUBERNETES_SERVICE_HOST/_PORT and the
//   service-account files), 4. ~/.kube/config.
// Certificate and key files named in a kubeconfig are read at load time (relative paths are
// relative to that kubeconfig), base64 `*-data` fields are decoded, and PEM blocks are checked,
// so a bad file fails here with a message naming the file, the entry and the field. Token files
// are read now and re-read by the client later, because projected service-account tokens rotate.
//
// Supported: token, tokenFile, client-certificate(-data) + client-key(-data),
// certificate-authority(-data), insecure-skip-tls-verify, plain http:// servers (tests). Exec
// plugins, auth-provider and basic auth are refused with a clear error.
//
// KubeConfig is a plain value; the loaders are safe to call from any thread (they read the
// process environment).
#pragma once

#include <string>
#include <vector>

#include "operator/common/status.h"

namespace pgferry::kube {

struct KubeConfig {
  std::string server;  // "https://10.96.0.1:443" or "http://127.0.0.1:8080"; no trailing slash
  std::string default_namespace = "default";

  std::string ca_pem;  // trusted CA certificates (PEM); "" = the system's roots
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;  // client certificate chain (PEM), with client_key_pem
  std::string client_key_pem;

  std::string token;       // bearer token, sent as "Authorization: Bearer ..."
  std::string token_file;  // when set, the client re-reads the token from here periodically

  // Where this came from, for messages: "in-cluster service account" or
  // "kubeconfig /home/u/.kube/config, context kind-dev".
  std::string source;
};

// The service-account files of a pod; overridable for tests.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_cert = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// True when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set.
bool RunningInCluster();

// The in-cluster configuration: server from KUBERNETES_SERVICE_HOST/_PORT, token and CA from
// the service-account files, default namespace from the namespace file.
Result<KubeConfig> LoadInClusterConfig(const InClusterPaths& paths = {});

// One or more kubeconfig files merged as kubectl does; `context` "" = current-context.
Result<KubeConfig> LoadKubeconfigFiles(const std::vector<std::string>& paths,
                                       const std::string& context = "");

struct KubeConfigSelection {
  std::string kubeconfig_flag;  // --kubeconfig PATH; "" = not given
  std::string context;          // a context other than current-context; "" = current
  InClusterPaths in_cluster;
};

// Picks and loads the configuration in the order described at the top of this file.
Result<KubeConfig> LoadKubeConfig(const KubeConfigSelection& selection = {});

}  // namespace pgferry::kube
