// The whole PgMigration object and its metadata <-> JSON.
#include "reconcilers/api/migration_json.h"

namespace pgferry::api {

using nlohmann::json;

void ReadObjectMeta(JsonReader& r, ObjectMeta* out) {
  r.NonEmptyString("name", &out->name, JsonReader::kRequired);
  r.NonEmptyString("namespace", &out->namespace_);
  r.String("uid", &out->uid);
  r.Int64("generation", &out->generation);
  r.String("resourceVersion", &out->resourceVersion);
  r.StringMap("labels", &out->labels);
  r.StringMap("annotations", &out->annotations);
  r.StringList("finalizers", &out->finalizers);
  r.String("creationTimestamp", &out->creationTimestamp);
  r.String("deletionTimestamp", &out->deletionTimestamp);
}

json ObjectMetaToJson(const ObjectMeta& m) {
  json j = {{"name", m.name}, {"namespace", m.namespace_}};
  if (!m.uid.empty()) j["uid"] = m.uid;
  if (m.generation != 0) j["generation"] = m.generation;
  if (!m.resourceVersion.empty()) j["resourceVersion"] = m.resourceVersion;
  if (!m.labels.empty()) j["labels"] = m.labels;
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  if (!m.finalizers.empty()) j["finalizers"] = m.finalizers;
  if (!m.creationTimestamp.empty()) j["creationTimestamp"] = m.creationTimestamp;
  if (!m.deletionTimestamp.empty()) j["deletionTimestamp"] = m.deletionTimestamp;
  return j;
}

Result<PgMigration> PgMigrationFromJson(const json& object) {
  std::vector<std::string> errors;
  JsonReader r(object, "", &errors, /*strict=*/true);
  PgMigration out;
  std::string value;
  if (r.String("apiVersion", &value, JsonReader::kRequired) && value != kApiVersion) {
    r.Error("apiVersion", std::string("must be ") + kApiVersion + " (got \"" + value + "\")");
  }
  if (r.String("kind", &value, JsonReader::kRequired) && value != kKind) {
    r.Error("kind", std::string("must be ") + kKind + " (got \"" + value + "\")");
  }
  if (auto metadata = r.Object("metadata", JsonReader::kRequired, /*strict=*/false)) {
    ReadObjectMeta(*metadata, &out.metadata);
  }
  if (auto spec = r.Object("spec", JsonReader::kRequired)) ReadSpec(*spec, &out.spec);
  if (auto status = r.Object("status", JsonReader::kOptional, /*strict=*/false)) {
    ReadStatus(*status, &out.status);
  }
  r.Finish();
  RETURN_IF_ERROR(ErrorsToStatus(errors));
  return out;
}

json PgMigrationToJson(const PgMigration& m) {
  return {{"apiVersion", kApiVersion},
          {"kind", kKind},
          {"metadata", ObjectMetaToJson(m.metadata)},
          {"spec", SpecToJson(m.spec)},
          {"status", StatusToJson(m.status)}};
}

}  // namespace pgferry::api
