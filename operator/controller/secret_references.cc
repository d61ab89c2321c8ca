#include "operator/controller/secret_references.h"

#include "operator/manifest/secret.h"

namespace pgferry::controller {
namespace {

const nlohmann::json* Field(const nlohmann::json& j, const char* a, const char* b = nullptr) {
  if (!j.is_object() || !j.contains(a)) return nullptr;
  const nlohmann::json* v = &j[a];
  if (b == nullptr) return v;
  if (!v->is_object() || !v->contains(b)) return nullptr;
  return &(*v)[b];
}

std::string StringAt(const nlohmann::json& j, const char* a, const char* b) {
  const nlohmann::json* v = Field(j, a, b);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

void AddServerRefs(const nlohmann::json* server, std::set<std::string>* out) {
  if (server == nullptr) return;
  for (const char* ref : {"credentialsSecretRef", "sslRootCertSecretRef"}) {
    std::string name = StringAt(*server, ref, "name");
    if (!name.empty()) out->insert(name);
  }
}

}  // namespace

std::set<std::string> ReferencedSecretNames(const api::MigrationSpec& spec) {
  std::set<std::string> out;
  for (const api::ServerSpec* s : {&spec.source, &spec.destination}) {
    if (!s->credentialsSecretRef.name.empty()) out.insert(s->credentialsSecretRef.name);
    if (s->sslRootCertSecretRef && !s->sslRootCertSecretRef->name.empty())
      out.insert(s->sslRootCertSecretRef->name);
  }
  return out;
}

std::set<std::string> ReferencedSecretNames(const nlohmann::json& pgmigration) {
  std::set<std::string> out;
  AddServerRefs(Field(pgmigration, "spec", "source"), &out);
  AddServerRefs(Field(pgmigration, "spec", "destination"), &out);
  return out;
}

std::vector<std::string> MigrationsReferencingSecret(
    const nlohmann::json& secret, const std::vector<nlohmann::json>& pgmigrations) {
  const std::string ns = StringAt(secret, "metadata", "namespace");
  const std::string name = StringAt(secret, "metadata", "name");
  std::vector<std::string> keys;
  for (const auto& m : pgmigrations) {
    std::string mns = StringAt(m, "metadata", "namespace");
    if (mns != ns || ReferencedSecretNames(m).count(name) == 0) continue;
    keys.push_back(mns + "/" + StringAt(m, "metadata", "name"));
  }
  return keys;
}

Result<api::Secret> SecretFromApiObject(const nlohmann::json& secret) {
  nlohmann::json doc = {{"apiVersion", "v1"}, {"kind", "Secret"}};
  for (const char* field : {"metadata", "data", "stringData", "type"})
    if (secret.is_object() && secret.contains(field) && !secret[field].is_null())
      doc[field] = secret[field];
  return manifest::SecretFromJson(doc);
}

}  // namespace pgferry::controller
