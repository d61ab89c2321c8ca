// The built-in resource types and their kubectl Table columns (as kube-apiserver's printers
// define them for these kinds).
#include <algorithm>
#include <cctype>
#include <chrono>

#include "tests/fake-apiserver/builtin_schemas.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/resource_registry.h"

namespace pgferry::fakeapi {
namespace {

PrinterColumn Column(std::string name, std::string type, std::string path, int priority = 0) {
  PrinterColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.json_path = std::move(path);
  c.priority = priority;
  return c;
}

PrinterColumn Computed(std::string name, std::string type, std::function<Json(const Json&)> fn,
                       int priority = 0) {
  PrinterColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.compute = std::move(fn);
  c.priority = priority;
  return c;
}

PrinterColumn AgeColumn() {
  PrinterColumn c = Column("Age", "date", ".metadata.creationTimestamp");
  c.description =
      "CreationTimestamp is a timestamp representing the server time when this object was "
      "created.";
  return c;
}

std::string Ago(const std::string& timestamp) {
  std::chrono::system_clock::time_point t;
  if (!ParseRfc3339(timestamp, &t)) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now() - t));
}

Json EventLastSeen(const Json& e) {
  std::string t = StringField(Field(e, "series"), "lastObservedTime");
  if (t.empty()) t = StringField(e, "lastTimestamp");
  if (t.empty()) t = StringField(e, "eventTime");
  if (t.empty()) t = StringField(Field(e, "metadata"), "creationTimestamp");
  return Ago(t);
}

Json EventObject(const Json& e) {
  const Json& o = Field(e, "involvedObject");
  std::string kind = StringField(o, "kind");
  std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
  return kind + "/" + StringField(o, "name");
}

ResourceType Base(std::string group, std::string version, std::string kind, std::string plural,
                  bool namespaced) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = kind;
  t.list_kind = kind + "List";
  t.plural = plural;
  t.singular = kind;
  std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
  t.namespaced = namespaced;
  t.builtin = kind;
  t.storage = plural;
  return t;
}

std::vector<PrinterColumn> EventColumns() {
  return {Computed("Last Seen", "string", EventLastSeen), Column("Type", "string", ".type"),
          Column("Reason", "string", ".reason"), Computed("Object", "string", EventObject),
          Column("Subobject", "string", ".involvedObject.fieldPath", 1),
          Column("Source", "string", ".source.component", 1),
          Column("Message", "string", ".message"),
          Column("Count", "integer", ".count", 1)};
}

}  // namespace

std::vector<ResourceType> BuiltinTypes() {
  std::vector<ResourceType> types;

  ResourceType ns = Base("", "v1", "Namespace", "namespaces", false);
  ns.short_names = {"ns"};
  ns.status_subresource = true;
  ns.schema = BuiltinSchema("Namespace");
  ns.columns = {Column("Status", "string", ".status.phase"), AgeColumn()};
  ns.field_labels = {"status.phase"};
  types.push_back(ns);

  ResourceType secret = Base("", "v1", "Secret", "secrets", true);
  secret.schema = BuiltinSchema("Secret");
  secret.columns = {Column("Type", "string", ".type"),
                    Computed("Data", "integer",
                             [](const Json& o) {
                               const Json& d = Field(o, "data");
                               return Json(d.is_object() ? d.size() : 0);
                             }),
                    AgeColumn()};
  secret.field_labels = {"type"};
  types.push_back(secret);

  ResourceType cm = Base("", "v1", "ConfigMap", "configmaps", true);
  cm.short_names = {"cm"};
  cm.schema = BuiltinSchema("ConfigMap");
  cm.columns = {Computed("Data", "integer",
                         [](const Json& o) {
                           size_t n = 0;
                           for (const char* k : {"data", "binaryData"}) {
                             if (Field(o, k).is_object()) n += o[k].size();
                           }
                           return Json(n);
                         }),
                AgeColumn()};
  types.push_back(cm);

  std::vector<std::string> event_labels = {
      "involvedObject.kind",      "involvedObject.namespace", "involvedObject.name",
      "involvedObject.uid",       "involvedObject.apiVersion", "involvedObject.resourceVersion",
      "involvedObject.fieldPath", "reason",                    "reportingComponent",
      "source",                   "type"};
  ResourceType ev = Base("", "v1", "Event", "events", true);
  ev.short_names = {"ev"};
  ev.schema = BuiltinSchema("Event");
  ev.columns = EventColumns();
  ev.field_labels = event_labels;
  ev.create_on_update = true;
  types.push_back(ev);

  ResourceType ev2 = Base("events.k8s.io", "v1", "Event", "events", true);
  ev2.builtin = "events.k8s.io/Event";
  ev2.short_names = {"ev"};
  ev2.schema = BuiltinSchema("events.k8s.io/Event");
  ev2.columns = EventColumns();
  ev2.field_labels = event_labels;
  ev2.create_on_update = true;
  ev2.storage_version = false;  // stored as core/v1 Events, converted on the way in and out
  ev2.strategic_merge = true;
  types.push_back(ev2);

  ResourceType lease = Base("coordination.k8s.io", "v1", "Lease", "leases", true);
  lease.schema = BuiltinSchema("Lease");
  lease.columns = {Column("Holder", "string", ".spec.holderIdentity"), AgeColumn()};
  types.push_back(lease);

  ResourceType crd = Base("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                          "customresourcedefinitions", false);
  crd.short_names = {"crd", "crds"};
  crd.status_subresource = true;
  crd.has_generation = true;
  crd.schema = BuiltinSchema("CustomResourceDefinition");
  crd.columns = {Column("Created At", "string", ".metadata.creationTimestamp")};
  types.push_back(crd);
  return types;
}

}  // namespace pgferry::fakeapi
