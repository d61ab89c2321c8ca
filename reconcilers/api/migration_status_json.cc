// PgMigration status <-> JSON. Lenient about unknown fields: the status is written by pgferry
// (possibly a newer version) and read back from the API server.
#include "reconcilers/api/migration_json.h"

namespace pgferry::api {

using nlohmann::json;

namespace {

json OptionalToJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

// Calls `read` with a reader for each object in the list `key`.
template <typename Fn>
void ForEachObject(JsonReader& r, const char* key, Fn read) {
  const json* list = r.List(key);
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    JsonReader item((*list)[i], r.FieldPath(key) + "[" + std::to_string(i) + "]", r.errors(),
                    r.strict());
    read(item);
    item.Finish();
  }
}

void ReadDatabase(JsonReader& r, DatabaseStatus* d) {
  r.String("dbname", &d->dbname, JsonReader::kRequired);
  r.String("method", &d->method);
  r.String("status", &d->status);
  r.OptionalString("error", &d->error);
  r.Int64("tablesTotal", &d->tablesTotal);
  r.Int64("tablesSynced", &d->tablesSynced);
  r.Int64("lagBytes", &d->lagBytes);
  r.Int64("walRetainedBytes", &d->walRetainedBytes);
  r.Int64("rowsCopied", &d->rowsCopied);
  r.Int64("bytesCopied", &d->bytesCopied);
  if (auto objects = r.Object("replicationObjects")) {
    objects->String("publication", &d->replicationObjects.publication);
    objects->String("slot", &d->replicationObjects.slot);
    objects->String("subscription", &d->replicationObjects.subscription);
    objects->Finish();
  }
  r.StringList("warnings", &d->warnings);
  r.Int64Map("sequencesSynced", &d->sequencesSynced);
  if (auto v = r.Object("verification")) {
    d->verification.emplace();
    v->String("mode", &d->verification->mode);
    v->String("result", &d->verification->result);
    v->Int64("tables", &d->verification->tables);
    v->Int64("rows", &d->verification->rows);
    v->Int64("differing", &d->verification->differing);
    v->StringList("mismatches", &d->verification->mismatches);
    v->String("time", &d->verification->time);
    v->Finish();
  }
}

json DatabaseToJson(const DatabaseStatus& d) {
  json j = {{"dbname", d.dbname},           {"method", d.method},
            {"status", d.status},           {"error", OptionalToJson(d.error)},
            {"tablesTotal", d.tablesTotal}, {"tablesSynced", d.tablesSynced},
            {"lagBytes", d.lagBytes},       {"rowsCopied", d.rowsCopied},
            {"bytesCopied", d.bytesCopied}, {"walRetainedBytes", d.walRetainedBytes}};
  if (!d.replicationObjects.empty()) {
    json objects = json::object();
    const ReplicationObjects& o = d.replicationObjects;
    if (!o.publication.empty()) objects["publication"] = o.publication;
    if (!o.slot.empty()) objects["slot"] = o.slot;
    if (!o.subscription.empty()) objects["subscription"] = o.subscription;
    j["replicationObjects"] = objects;
  }
  if (!d.warnings.empty()) j["warnings"] = d.warnings;
  if (!d.sequencesSynced.empty()) j["sequencesSynced"] = d.sequencesSynced;
  if (const auto& v = d.verification) {
    j["verification"] = {{"mode", v->mode}, {"result", v->result},       {"tables", v->tables},
                         {"rows", v->rows}, {"differing", v->differing}, {"time", v->time}};
    if (!v->mismatches.empty()) j["verification"]["mismatches"] = v->mismatches;
  }
  return j;
}

}  // namespace

void ReadStatus(JsonReader& r, MigrationStatus* out) {
  r.Int64("observedGeneration", &out->observedGeneration);
  r.String("phase", &out->phase);
  r.String("method", &out->method);
  r.OptionalString("error", &out->error);
  r.String("progress", &out->progress);
  r.Int64("lagBytes", &out->lagBytes);
  r.String("startTime", &out->startTime);
  r.String("completionTime", &out->completionTime);
  r.String("migrationId", &out->migrationId);
  ForEachObject(r, "databases",
                [&](JsonReader& item) { ReadDatabase(item, &out->databases.emplace_back()); });
  ForEachObject(r, "roles", [&](JsonReader& item) {
    RoleStatus& role = out->roles.emplace_back();
    item.String("rolname", &role.rolname, JsonReader::kRequired);
    item.String("status", &role.status);
    item.OptionalString("error", &role.error);
  });
  ForEachObject(r, "conditions", [&](JsonReader& item) {
    Condition& c = out->conditions.emplace_back();
    item.String("type", &c.type, JsonReader::kRequired);
    item.String("status", &c.status);
    item.String("reason", &c.reason);
    item.String("message", &c.message);
    item.String("lastTransitionTime", &c.lastTransitionTime);
    item.Int64("observedGeneration", &c.observedGeneration);
  });
  r.Finish();
}

Result<MigrationStatus> StatusFromJson(const json& status) {
  std::vector<std::string> errors;
  JsonReader r(status, "status", &errors, /*strict=*/false);
  MigrationStatus out;
  ReadStatus(r, &out);
  RETURN_IF_ERROR(ErrorsToStatus(errors));
  return out;
}

json StatusToJson(const MigrationStatus& s) {
  json j = {{"observedGeneration", s.observedGeneration},
            {"phase", s.phase},
            {"method", s.method},
            {"error", OptionalToJson(s.error)},
            {"progress", s.progress},
            {"lagBytes", s.lagBytes}};
  if (!s.startTime.empty()) j["startTime"] = s.startTime;
  if (!s.completionTime.empty()) j["completionTime"] = s.completionTime;
  if (!s.migrationId.empty()) j["migrationId"] = s.migrationId;
  json databases = json::array();
  for (const auto& d : s.databases) databases.push_back(DatabaseToJson(d));
  j["databases"] = databases;
  json roles = json::array();
  for (const auto& r : s.roles) {
    roles.push_back(
        {{"rolname", r.rolname}, {"status", r.status}, {"error", OptionalToJson(r.error)}});
  }
  j["roles"] = roles;
  json conditions = json::array();
  for (const auto& c : s.conditions) {
    conditions.push_back({{"type", c.type},
                          {"status", c.status},
                          {"reason", c.reason},
                          {"message", c.message},
                          {"lastTransitionTime", c.lastTransitionTime},
                          {"observedGeneration", c.observedGeneration}});
  }
  j["conditions"] = conditions;
  return j;
}

}  // namespace pgferry::api
