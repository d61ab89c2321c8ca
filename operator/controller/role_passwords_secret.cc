#include "operator/controller/role_passwords_secret.h"

namespace pgferry::controller {
namespace {

using Json = nlohmann::json;

std::string Base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    for (int s : {18, 12, 6}) out += kAlphabet[(v >> s) & 63];
    out += '=';
  }
  return out;
}

// Secret keys allow [-._a-zA-Z0-9]; other characters of a role name become '_'.
std::string KeyFor(const std::string& role) {
  std::string key;
  for (char c : role)
    key += (isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_') ? c : '_';
  return key.empty() ? "_" : key;
}

}  // namespace

std::string RolePasswordsSecretName(const std::string& migration_name) {
  return migration_name + "-role-passwords";
}

Status StoreRolePasswords(kube::KubeClient& client, const Json& owner,
                          const std::vector<GeneratedPassword>& passwords) {
  if (passwords.empty()) return Status::Ok();
  const Json& meta = owner["metadata"];
  const std::string ns = meta.value("namespace", "default");
  const std::string name = RolePasswordsSecretName(meta.value("name", ""));
  const kube::Resource secrets = kube::SecretsResource();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto current = client.Get(secrets, ns, name);
    if (!current.ok() && current.status().code() != StatusCode::kNotFound)
      return current.status().Prefixed("reading Secret " + name);
    Json secret;
    if (current.ok()) {
      secret = std::move(*current);
    } else {
      secret = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"type", "Opaque"},
                {"metadata",
                 {{"name", name},
                  {"namespace", ns},
                  {"labels", {{"app.kubernetes.io/managed-by", "pgferry"}}},
                  {"ownerReferences",
                   Json::array({{{"apiVersion", owner.value("apiVersion", "pgferry.io/v1alpha1")},
                                 {"kind", owner.value("kind", "PgMigration")},
                                 {"name", meta.value("name", "")},
                                 {"uid", meta.value("uid", "")},
                                 {"controller", true},
                                 {"blockOwnerDeletion", true}}})}}}};
    }
    if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = Json::object();
    bool changed = !current.ok();
    for (const auto& p : passwords) {
      std::string key = KeyFor(p.role), value = Base64(p.password);
      if (secret["data"].value(key, "") != value) {
        secret["data"][key] = value;
        changed = true;
      }
    }
    if (!changed) return Status::Ok();
    auto r = current.ok() ? client.Update(secrets, secret) : client.Create(secrets, secret);
    if (r.ok()) return Status::Ok();
    auto code = r.status().code();
    if (code != StatusCode::kConflict && code != StatusCode::kAlreadyExists)
      return Status(code, "writing Secret " + name + ": " + r.status().message());
  }
  return Status(StatusCode::kConflict, "writing Secret " + name + ": kept conflicting");
}

}  // namespace pgferry::controller
