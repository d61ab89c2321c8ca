#include "tests/fake-apiserver/table.h"

#include <chrono>
#include <cmath>

#include "tests/fake-apiserver/jsonpath.h"
#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::fakeapi {
namespace {

Json CellFor(const PrinterColumn& col, const Json& obj) {
  Json value;
  if (col.compute) {
    value = col.compute(obj);
  } else {
    std::vector<Json> results;
    std::string error;
    if (!EvalJsonPath(col.json_path, obj, &results, &error) || results.empty()) return nullptr;
    value = results[0];
  }
  if (value.is_null()) return nullptr;
  if (col.type == "string") {
    if (value.is_string()) return value;
    if (value.is_number() || value.is_boolean()) return GoValueString(value);
    return value.dump();
  }
  if (col.type == "date") {
    if (!value.is_string()) return nullptr;
    std::chrono::system_clock::time_point t;
    if (!ParseRfc3339(value.get<std::string>(), &t)) return nullptr;
    return HumanDuration(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t));
  }
  if (col.type == "integer") {
    if (value.is_number_integer()) return value;
    if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
    return nullptr;
  }
  if (col.type == "number") return value.is_number() ? value : Json();
  if (col.type == "boolean") return value.is_boolean() ? value : Json();
  return nullptr;
}

}  // namespace

bool WantsTable(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos &&
         accept.find("g=meta.k8s.io") != std::string::npos;
}

Json TableColumnDefinitions(const ResourceType& type) {
  Json cols = Json::array();
  cols.push_back({{"name", "Name"},
                  {"type", "string"},
                  {"format", "name"},
                  {"description",
                   "Name must be unique within a namespace. Is required when creating resources, "
                   "although some resources may allow a client to request the generation of an "
                   "appropriate name automatically. Name is primarily intended for creation "
                   "idempotence and configuration definition. Cannot be updated. More info: "
                   "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                   "names#names"},
                  {"priority", 0}});
  for (const auto& c : type.columns) {
    cols.push_back({{"name", c.name},
                    {"type", c.type},
                    {"format", c.format},
                    {"description", c.description},
                    {"priority", c.priority}});
  }
  return cols;
}

Json TableRow(const ResourceType& type, const Json& stored, const Json& wire,
              const std::string& include_object) {
  Json cells = Json::array();
  cells.push_back(StringField(Field(stored, "metadata"), "name"));
  for (const auto& c : type.columns) cells.push_back(CellFor(c, stored));
  Json row = {{"cells", cells}};
  if (include_object == "Object") {
    row["object"] = wire;
  } else if (include_object != "None") {
    Json meta = Field(wire, "metadata");
    if (meta.is_object()) meta.erase("managedFields");
    row["object"] = {{"kind", "PartialObjectMetadata"},
                     {"apiVersion", "meta.k8s.io/v1"},
                     {"metadata", meta}};
  }
  return row;
}

Json MakeTable(const ResourceType& type, const Json& rows, bool with_columns,
               const std::string& resource_version, const std::string& continue_token) {
  Json meta = {{"resourceVersion", resource_version}};
  if (!continue_token.empty()) meta["continue"] = continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", with_columns ? TableColumnDefinitions(type) : Json()},
          {"rows", rows}};
}

}  // namespace pgferry::fakeapi
