#include "operator/manifest/secret.h"

#include "operator/manifest/base64.h"
#include "reconcilers/api/json_reader.h"

namespace pgferry::manifest {

using api::JsonReader;

Result<api::Secret> SecretFromJson(const nlohmann::json& object) {
  std::vector<std::string> errors;
  JsonReader r(object, "", &errors, /*strict=*/true);
  api::Secret secret;
  std::string value;
  if (r.String("apiVersion", &value, JsonReader::kRequired) && value != "v1") {
    r.Error("apiVersion", "must be v1 (got \"" + value + "\")");
  }
  if (r.String("kind", &value, JsonReader::kRequired) && value != "Secret") {
    r.Error("kind", "must be Secret (got \"" + value + "\")");
  }
  if (auto metadata = r.Object("metadata", JsonReader::kRequired, /*strict=*/false)) {
    metadata->NonEmptyString("name", &secret.name, JsonReader::kRequired);
    metadata->NonEmptyString("namespace", &secret.namespace_);
  }
  std::map<std::string, std::string> data, string_data;
  if (r.StringMap("data", &data)) {
    for (const auto& [key, encoded] : data) {
      std::optional<std::string> decoded = DecodeBase64(encoded);
      if (!decoded) {
        r.Error("data." + key, "invalid base64");
        continue;
      }
      secret.data[key] = std::move(*decoded);
    }
  }
  if (r.StringMap("stringData", &string_data)) {
    for (auto& [key, plain] : string_data) secret.data[key] = std::move(plain);
  }
  r.String("type", &value);
  bool immutable = false;
  r.Bool("immutable", &immutable);
  r.Finish();
  Status status = api::ErrorsToStatus(errors);
  if (!status.ok()) {
    return status.Prefixed(secret.name.empty() ? "Secret" : "Secret \"" + secret.name + "\"");
  }
  return secret;
}

}  // namespace pgferry::manifest
