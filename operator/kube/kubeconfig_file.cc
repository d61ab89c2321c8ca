// Kubeconfig files (clusters, users, contexts, current-context) → KubeConfig.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>

#include "operator/kube/file_util.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/tls_context.h"

namespace pgferry::kube {
namespace {

struct KubeconfigFile {
  std::string path;
  YAML::Node root;
};

// A named entry of clusters/users/contexts and the file that defined it.
struct Entry {
  const KubeconfigFile* file = nullptr;
  YAML::Node body;  // the "cluster", "user" or "context" map
};

Status Error(const std::string& path, const std::string& what) {
  return InvalidArgument("kubeconfig " + path + ": " + what);
}

// The scalar at `node[key]` as a string; nullopt when absent or null.
Result<std::optional<std::string>> OptionalString(const YAML::Node& node, const char* key,
                                                  const std::string& path,
                                                  const std::string& where) {
  if (!node.IsMap()) return std::optional<std::string>();
  YAML::Node value = node[key];
  if (!value || value.IsNull()) return std::optional<std::string>();
  if (!value.IsScalar()) return Error(path, where + key + " must be a string");
  return std::optional<std::string>(value.Scalar());
}

std::string Resolve(const KubeconfigFile& file, const std::string& name) {
  std::filesystem::path p(name);
  if (p.is_absolute()) return name;
  return (std::filesystem::path(file.path).parent_path() / p).lexically_normal().string();
}

// The first definition of `name` in the `section` list ("clusters", "users", "contexts").
std::optional<Entry> Find(const std::vector<KubeconfigFile>& files, const char* section,
                          const char* body_key, const std::string& name) {
  for (const auto& file : files) {
    YAML::Node list = file.root[section];
    if (!list || !list.IsSequence()) continue;
    for (const auto& item : list) {
      if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) continue;
      if (item["name"].Scalar() != name) continue;
      return Entry{&file, item[body_key]};
    }
  }
  return std::nullopt;
}

// PEM from `<field>-data` (base64) or `<field>` (a file); "" when neither is set. `used` is set
// to the key the value came from, for messages.
Result<std::string> PemField(const Entry& entry, const std::string& field, const std::string& where,
                             std::string* used) {
  *used = field;
  const std::string& path = entry.file->path;
  ASSIGN_OR_RETURN(auto data, OptionalString(entry.body, (field + "-data").c_str(), path, where));
  if (data && !data->empty()) {
    *used = field + "-data";
    auto decoded = DecodeBase64(*data);
    if (!decoded.ok()) return Error(path, where + field + "-data: " + decoded.status().message());
    return std::move(decoded).value();
  }
  ASSIGN_OR_RETURN(auto file, OptionalString(entry.body, field.c_str(), path, where));
  if (file && !file->empty()) {
    std::string resolved = Resolve(*entry.file, *file);
    auto text = ReadTextFile(resolved);
    if (!text.ok())
      return Status(text.status().code(),
                    "kubeconfig " + path + ": " + where + field + ": " + text.status().message());
    return std::move(text).value();
  }
  return std::string();
}

Status CheckPem(const Status& check, const std::string& path, const std::string& where,
                const std::string& field) {
  if (check.ok()) return check;
  return Error(path, where + field + ": " + check.message());
}

Status ApplyCluster(const Entry& cluster, const std::string& name, KubeConfig* config) {
  const std::string& path = cluster.file->path;
  std::string where = "cluster \"" + name + "\": ";
  if (!cluster.body || !cluster.body.IsMap()) return Error(path, where + "has no cluster map");

  ASSIGN_OR_RETURN(auto server, OptionalString(cluster.body, "server", path, where));
  if (!server || server->empty()) return Error(path, where + "server is not set");
  if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0)
    return Error(path, where + "server \"" + *server + "\" must start with https:// or http://");
  config->server = *server;
  while (config->server.size() > 8 && config->server.back() == '/') config->server.pop_back();

  YAML::Node insecure = cluster.body["insecure-skip-tls-verify"];
  if (insecure && !insecure.IsNull()) {
    bool value = false;
    if (!insecure.IsScalar() || !YAML::convert<bool>::decode(insecure, value))
      return Error(path, where + "insecure-skip-tls-verify must be true or false");
    config->insecure_skip_tls_verify = value;
  }
  std::string ca_field;
  ASSIGN_OR_RETURN(config->ca_pem, PemField(cluster, "certificate-authority", where, &ca_field));
  if (!config->ca_pem.empty()) {
    if (config->insecure_skip_tls_verify)
      return Error(path, where +
                             "certificate-authority and insecure-skip-tls-verify cannot both be "
                             "set (as in kubectl)");
    RETURN_IF_ERROR(CheckPem(CheckCertificatesPem(config->ca_pem), path, where, ca_field));
  }
  for (const char* unsupported : {"tls-server-name", "proxy-url"}) {
    ASSIGN_OR_RETURN(auto value, OptionalString(cluster.body, unsupported, path, where));
    if (value && !value->empty())
      return Error(path, where + unsupported + " is not supported by pgferry");
  }
  return Status::Ok();
}

Status ApplyUser(const Entry& user, const std::string& name, KubeConfig* config) {
  const std::string& path = user.file->path;
  std::string where = "user \"" + name + "\": ";
  if (!user.body || user.body.IsNull()) return Status::Ok();  // anonymous
  if (!user.body.IsMap()) return Error(path, where + "user must be a map");

  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    YAML::Node node = user.body[unsupported];
    if (node && !node.IsNull())
      return Error(path, where + unsupported +
                             " is not supported by pgferry; use token, tokenFile or a client "
                             "certificate");
  }

  ASSIGN_OR_RETURN(auto token, OptionalString(user.body, "token", path, where));
  ASSIGN_OR_RETURN(auto token_file, OptionalString(user.body, "tokenFile", path, where));
  if (token && !token->empty()) {
    config->token = TrimSpace(*token);
  } else if (token_file && !token_file->empty()) {
    config->token_file = Resolve(*user.file, *token_file);
    auto text = ReadTextFile(config->token_file);
    if (!text.ok())
      return Status(text.status().code(),
                    "kubeconfig " + path + ": " + where + "tokenFile: " + text.status().message());
    config->token = TrimSpace(*text);
  }

  std::string cert_field, key_field;
  ASSIGN_OR_RETURN(config->client_cert_pem,
                   PemField(user, "client-certificate", where, &cert_field));
  ASSIGN_OR_RETURN(config->client_key_pem, PemField(user, "client-key", where, &key_field));
  if (config->client_cert_pem.empty() != config->client_key_pem.empty()) {
    return Error(path, where + (config->client_cert_pem.empty()
                                    ? "client-key is set without client-certificate"
                                    : "client-certificate is set without client-key"));
  }
  if (!config->client_cert_pem.empty()) {
    RETURN_IF_ERROR(
        CheckPem(CheckCertificatesPem(config->client_cert_pem), path, where, cert_field));
    RETURN_IF_ERROR(CheckPem(CheckPrivateKeyPem(config->client_key_pem), path, where, key_field));
  }
  return Status::Ok();
}

Result<std::vector<KubeconfigFile>> ReadFiles(const std::vector<std::string>& paths) {
  std::vector<KubeconfigFile> files;
  for (const auto& path : paths) {
    auto text = ReadTextFile(path);
    if (!text.ok()) {
      // kubectl skips missing entries of a KUBECONFIG list, but not a file named explicitly.
      if (text.status().code() == StatusCode::kNotFound && paths.size() > 1) continue;
      return Status(text.status().code(), "kubeconfig: " + text.status().message());
    }
    KubeconfigFile file{path, {}};
    try {
      file.root = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      return Error(path, "not valid YAML: " + std::string(e.what()));
    }
    if (!file.root.IsMap() && !file.root.IsNull()) return Error(path, "not a kubeconfig map");
    files.push_back(std::move(file));
  }
  if (files.empty()) {
    std::string names;
    for (const auto& path : paths) names += (names.empty() ? "" : ", ") + path;
    return NotFound("none of the kubeconfig files exist: " + names);
  }
  return files;
}

}  // namespace

Result<KubeConfig> LoadKubeconfigFiles(const std::vector<std::string>& paths,
                                       const std::string& context) {
  if (paths.empty()) return InvalidArgument("no kubeconfig file given");
  ASSIGN_OR_RETURN(std::vector<KubeconfigFile> files, ReadFiles(paths));
  const std::string& first = files.front().path;

  std::string context_name = context;
  for (const auto& file : files) {
    if (!context_name.empty()) break;
    ASSIGN_OR_RETURN(auto current, OptionalString(file.root, "current-context", file.path, ""));
    if (current) context_name = *current;
  }
  if (context_name.empty()) return Error(first, "current-context is not set");

  std::optional<Entry> ctx = Find(files, "contexts", "context", context_name);
  if (!ctx) return Error(first, "context \"" + context_name + "\" is not defined in contexts");
  const std::string& ctx_path = ctx->file->path;
  std::string where = "context \"" + context_name + "\": ";
  if (!ctx->body || !ctx->body.IsMap()) return Error(ctx_path, where + "has no context map");
  ASSIGN_OR_RETURN(auto cluster_name, OptionalString(ctx->body, "cluster", ctx_path, where));
  ASSIGN_OR_RETURN(auto user_name, OptionalString(ctx->body, "user", ctx_path, where));
  ASSIGN_OR_RETURN(auto ns, OptionalString(ctx->body, "namespace", ctx_path, where));
  if (!cluster_name || cluster_name->empty()) return Error(ctx_path, where + "cluster is not set");

  KubeConfig config;
  config.source = "kubeconfig " + ctx_path + ", context " + context_name;
  if (ns && !ns->empty()) config.default_namespace = *ns;

  std::optional<Entry> cluster = Find(files, "clusters", "cluster", *cluster_name);
  if (!cluster)
    return Error(ctx_path, where + "cluster \"" + *cluster_name + "\" is not defined in clusters");
  RETURN_IF_ERROR(ApplyCluster(*cluster, *cluster_name, &config));

  if (user_name && !user_name->empty()) {
    std::optional<Entry> user = Find(files, "users", "user", *user_name);
    if (!user)
      return Error(ctx_path, where + "user \"" + *user_name + "\" is not defined in users");
    RETURN_IF_ERROR(ApplyUser(*user, *user_name, &config));
  }
  return config;
}

}  // namespace pgferry::kube
