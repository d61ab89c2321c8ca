// ResourceHandler: delete and deletecollection.
#include "tests/fake-apiserver/deletion.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/request_body.h"
#include "tests/fake-apiserver/resource_handler.h"
#include "tests/fake-apiserver/type_rules.h"

namespace pgferry::fakeapi {
namespace {

bool IsDryRun(const Json& options, const Query& query) {
  if (QueryValue(query, "dryRun") == "All") return true;
  const Json& d = Field(options, "dryRun");
  return d.is_array() && !d.empty() && d[0] == "All";
}

}  // namespace

HttpResponse ResourceHandler::Delete(Call& c) {
  Json options = Json::object();
  if (!c.http.body.empty()) {
    std::string err;
    if (!DecodeBody(c.http.body, false, &options, &err)) return ErrorResponse(c, BadRequestError(err));
  }
  if (c.type.builtin == "Namespace" &&
      (c.info.name == "default" || c.info.name == "kube-system" || c.info.name == "kube-public")) {
    return ErrorResponse(c, ForbiddenStatusError("namespaces \"" + c.info.name +
                                                     "\" is forbidden: this namespace may not be deleted",
                                                 "namespaces", "", c.info.name));
  }
  const Json* stored = state_.store.Get(c.type.storage, c.info.namespace_, c.info.name);
  if (!stored) return ErrorResponse(c, NotFoundError(c.type.plural, c.type.group, c.info.name));
  const Json& pre = Field(options, "preconditions");
  const Json& meta = stored->at("metadata");
  std::string uid = StringField(pre, "uid");
  if (!uid.empty() && uid != StringField(meta, "uid")) {
    return ErrorResponse(c, ConflictError(c.type.plural, c.type.group, c.info.name,
                                          "Precondition failed: UID in precondition: " + uid +
                                              ", UID in object meta: " + StringField(meta, "uid")));
  }
  std::string rv = StringField(pre, "resourceVersion");
  if (!rv.empty() && rv != StringField(meta, "resourceVersion")) {
    return ErrorResponse(c, ConflictError(c.type.plural, c.type.group, c.info.name,
                                          "Precondition failed: ResourceVersion in precondition: " +
                                              rv + ", ResourceVersion in object meta: " +
                                              StringField(meta, "resourceVersion")));
  }
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", "Success"},
                 {"details",
                  {{"name", c.info.name}, {"kind", c.type.plural}, {"uid", StringField(meta, "uid")}}}};
  if (!c.type.group.empty()) status["details"]["group"] = c.type.group;
  if (IsDryRun(options, c.info.query)) return ObjectResponse(c, 200, ToWire(c.type, *stored));
  DeleteResult result = DeleteStored(state_, c.storage_type, *stored, c.now);
  if (result.removed) return ObjectResponse(c, 200, status);
  return ObjectResponse(c, 200, ToWire(c.type, result.object));
}

HttpResponse ResourceHandler::DeleteCollection(Call& c) {
  LabelSelector labels;
  std::string err;
  if (!LabelSelector::Parse(QueryValue(c.info.query, "labelSelector"), &labels, &err)) {
    return ErrorResponse(c, BadRequestError("unable to parse requirement: " + err));
  }
  FieldSelector fields;
  if (!FieldSelector::Parse(QueryValue(c.info.query, "fieldSelector"), &fields, &err)) {
    return ErrorResponse(c, BadRequestError(err));
  }
  std::vector<Json> victims;
  for (const Json* obj : state_.store.List(c.type.storage, c.info.namespace_)) {
    if (!labels.Matches(Field(obj->at("metadata"), "labels"))) continue;
    if (!fields.empty() &&
        !fields.Matches(*obj, [](const Json& o, const std::string& l) { return DottedPathValue(o, l); })) {
      continue;
    }
    victims.push_back(*obj);
  }
  Json items = Json::array();
  for (const Json& v : victims) {
    const Json& meta = v.at("metadata");
    const Json* live = state_.store.Get(c.type.storage, StringField(meta, "namespace"),
                                        StringField(meta, "name"));
    if (!live) continue;
    DeleteResult r = DeleteStored(state_, c.storage_type, *live, c.now);
    items.push_back(ToWire(c.type, r.object));
  }
  return ObjectResponse(c, 200, {{"kind", c.type.list_kind},
                                 {"apiVersion", c.type.ApiVersion()},
                                 {"metadata", {{"resourceVersion", std::to_string(state_.store.current_rv())}}},
                                 {"items", items}});
}

}  // namespace pgferry::fakeapi
