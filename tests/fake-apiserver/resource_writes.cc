// ResourceHandler: create, update and patch, and the commit pipeline they share.
#include "tests/fake-apiserver/builtin_schemas.h"
#include "tests/fake-apiserver/crd.h"
#include "tests/fake-apiserver/deletion.h"
#include "tests/fake-apiserver/json_patch.h"
#include "tests/fake-apiserver/managed_fields.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/protobuf_body.h"
#include "tests/fake-apiserver/request_body.h"
#include "tests/fake-apiserver/resource_handler.h"
#include "tests/fake-apiserver/structural_schema.h"
#include "tests/fake-apiserver/type_rules.h"

namespace pgferry::fakeapi {
namespace {

std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

std::optional<ApiError> CheckTypeMeta(const ResourceType& type, const Json& obj) {
  std::string api_version = StringField(obj, "apiVersion");
  std::string kind = StringField(obj, "kind");
  if (!api_version.empty() && api_version != type.ApiVersion()) {
    return BadRequestError("the API version in the data (" + api_version +
                           ") does not match the expected API version (" + type.ApiVersion() + ")");
  }
  if (!kind.empty() && kind != type.kind) {
    return BadRequestError(type.kind + " in version \"" + type.version +
                           "\" cannot be handled as a " + type.kind +
                           ": the object provided is unrecognized (must be of type " + type.kind +
                           "): " + kind);
  }
  return std::nullopt;
}

// The object in a create or update body: JSON, YAML, or protobuf for a few built-in kinds.
std::optional<ApiError> DecodeObject(const HttpRequest& http, Json* obj) {
  std::string err;
  if (IsProtobufContentType(http.Header("Content-Type"))) {
    if (!DecodeProtobufObject(http.body, obj, &err)) return UnsupportedMediaTypeError(err);
    return std::nullopt;
  }
  if (!DecodeBody(http.body, true, obj, &err) || !obj->is_object()) {
    return BadRequestError(err.empty() ? "the body must be a JSON object" : err);
  }
  return std::nullopt;
}

FieldManagerScope Scope(const ResourceHandler::Call& c, const std::string& manager) {
  FieldManagerScope s;
  s.manager = manager;
  s.api_version = c.type.ApiVersion();
  s.subresource = c.info.subresource;
  s.split_status = c.type.status_subresource;
  s.schema = c.type.schema;
  s.now = c.now;
  return s;
}

Json WithoutVolatile(Json obj) {
  if (obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()) {
    obj["metadata"].erase("resourceVersion");
    obj["metadata"].erase("managedFields");
  }
  return obj;
}

// managedFields with the timestamps dropped: a write that only refreshes them is a no-op.
Json ManagedFieldsWithoutTimes(const Json& obj) {
  Json mf = Field(Field(obj, "metadata"), "managedFields");
  if (mf.is_array()) {
    for (auto& e : mf) {
      if (e.is_object()) e.erase("time");
    }
  }
  return mf;
}

ListStrategy StrategicListStrategy(const std::string& path) {
  if (path == "metadata.finalizers") return ListStrategy{ListStrategy::kSet, ""};
  if (path == "metadata.ownerReferences") return ListStrategy{ListStrategy::kMergeByKey, "uid"};
  return ListStrategy{};
}

}  // namespace

HttpResponse ResourceHandler::Create(Call& c) {
  Json obj;
  if (auto e = DecodeObject(c.http, &obj)) return ErrorResponse(c, *e);
  if (auto e = CheckTypeMeta(c.type, obj)) return ErrorResponse(c, *e);
  return CommitCreate(c, std::move(obj), false);
}

HttpResponse ResourceHandler::CommitCreate(Call& c, Json obj, bool managed_fields_done) {
  Json& meta = EnsureObject(obj, "metadata");
  if (c.type.namespaced) {
    std::string ns = StringField(meta, "namespace");
    if (!ns.empty() && ns != c.info.namespace_) {
      return ErrorResponse(c, BadRequestError("the namespace of the provided object does not "
                                              "match the namespace sent on the request"));
    }
    meta["namespace"] = c.info.namespace_;
    const Json* ns_obj = state_.store.Get("namespaces", "", c.info.namespace_);
    if (!ns_obj) return ErrorResponse(c, NotFoundError("namespaces", "", c.info.namespace_));
    if (!Field(ns_obj->at("metadata"), "deletionTimestamp").is_null()) {
      return ErrorResponse(c, ForbiddenStatusError(
                                  "unable to create new content in namespace " + c.info.namespace_ +
                                      " because it is being terminated",
                                  c.type.plural, c.type.group, StringField(meta, "name")));
    }
  } else {
    meta.erase("namespace");
  }
  if (c.type.custom) {
    const Json* crd = state_.store.Get("customresourcedefinitions", "", c.type.crd_name);
    if (crd && !Field(crd->at("metadata"), "deletionTimestamp").is_null()) {
      return ErrorResponse(c, MethodNotAllowedError("create not allowed while custom resource "
                                                    "definition is terminating"));
    }
  }
  if (auto e = CheckUnknownFields(c, &obj)) return ErrorResponse(c, *e);
  PrepareForCreate(c.type, &obj);
  if (StringField(obj["metadata"], "name").empty() &&
      !StringField(obj["metadata"], "generateName").empty()) {
    obj["metadata"]["name"] = StringField(obj["metadata"], "generateName") + GenerateNameSuffix();
  }
  if (c.type.builtin == "CustomResourceDefinition") DefaultCrd(&obj);
  if (auto e = DefaultAndValidate(c, &obj, nullptr)) return ErrorResponse(c, *e);
  std::string name = StringField(obj["metadata"], "name");
  if (state_.store.Get(c.type.storage, c.info.namespace_, name)) {
    return ErrorResponse(c, AlreadyExistsError(c.type.plural, c.type.group, name));
  }
  obj["metadata"]["uid"] = NewUid();
  obj["metadata"]["creationTimestamp"] = c.now;
  if (c.type.builtin == "CustomResourceDefinition") EstablishCrd(&obj, nullptr, c.now);
  if (!managed_fields_done) RecordUpdate(nullptr, &obj, Scope(c, FieldManager(c)));
  if (DryRun(c)) return ObjectResponse(c, 201, obj);
  obj["metadata"]["resourceVersion"] = std::to_string(state_.store.NextRv());
  Json stored = FromWire(c.type, c.storage_type, obj);
  state_.store.Put(c.type.storage, c.info.namespace_, name, stored);
  if (c.type.builtin == "CustomResourceDefinition") {
    state_.registry.SetCrdTypes(name, TypesFromCrd(stored));
  }
  return ObjectResponse(c, 201, ToWire(c.type, stored));
}

HttpResponse ResourceHandler::Update(Call& c) {
  Json obj;
  if (auto e = DecodeObject(c.http, &obj)) return ErrorResponse(c, *e);
  if (auto e = CheckTypeMeta(c.type, obj)) return ErrorResponse(c, *e);
  std::string body_name = StringField(Field(obj, "metadata"), "name");
  if (body_name != c.info.name) {
    return ErrorResponse(c, BadRequestError("the name of the object (" + body_name +
                                            ") does not match the name on the URL (" +
                                            c.info.name + ")"));
  }
  const Json* stored = state_.store.Get(c.type.storage, c.info.namespace_, c.info.name);
  if (!stored) {
    if (c.type.create_on_update && c.info.subresource.empty()) return CommitCreate(c, obj, false);
    return ErrorResponse(c, NotFoundError(c.type.plural, c.type.group, c.info.name));
  }
  if (StringField(obj["metadata"], "resourceVersion").empty() && !c.type.unconditional_update) {
    FieldError fe{FieldErrorType::kInvalid, "metadata.resourceVersion", std::nullopt,
                  "must be specified for an update", "0x0"};
    return ErrorResponse(c, InvalidObjectError(c.type.kind, c.type.group, c.info.name, {fe}));
  }
  return CommitUpdate(c, *stored, std::move(obj), c.info.subresource == "status", false);
}

HttpResponse ResourceHandler::Patch(Call& c) {
  std::string media = MediaType(c.http.Header("Content-Type"));
  bool apply = media == "application/apply-patch+yaml";
  bool smp = media == "application/strategic-merge-patch+json";
  if (media != "application/json-patch+json" && media != "application/merge-patch+json" &&
      !apply && !(smp && c.type.strategic_merge)) {
    std::string accepted = c.type.strategic_merge
                               ? "application/json-patch+json, application/merge-patch+json, "
                                 "application/strategic-merge-patch+json, application/apply-patch+yaml"
                               : "application/json-patch+json, application/merge-patch+json, "
                                 "application/apply-patch+yaml";
    return ErrorResponse(c, UnsupportedMediaTypeError(
                                "the body of the request was in an unknown format - accepted "
                                "media types include: " + accepted));
  }
  Json patch;
  std::string err;
  if (!DecodeBody(c.http.body, apply, &patch, &err)) return ErrorResponse(c, BadRequestError(err));
  const Json* stored = state_.store.Get(c.type.storage, c.info.namespace_, c.info.name);
  bool status_request = c.info.subresource == "status";

  if (apply) {
    std::string manager = QueryValue(c.info.query, "fieldManager");
    if (manager.empty()) {
      return ErrorResponse(c, BadRequestError("PATCH, application/apply-patch+yaml requests "
                                              "require fieldManager to be set"));
    }
    if (!patch.is_object()) return ErrorResponse(c, BadRequestError("the apply configuration must be an object"));
    if (auto e = CheckTypeMeta(c.type, patch)) return ErrorResponse(c, *e);
    std::string cfg_name = StringField(Field(patch, "metadata"), "name");
    if (cfg_name != c.info.name) {
      return ErrorResponse(c, BadRequestError("the name of the object (" + cfg_name +
                                              ") does not match the name on the URL (" +
                                              c.info.name + ")"));
    }
    std::string cfg_rv = StringField(Field(patch, "metadata"), "resourceVersion");
    if (!cfg_rv.empty() && (!stored || cfg_rv != StringField(stored->at("metadata"), "resourceVersion"))) {
      return ErrorResponse(c, ConflictError(c.type.plural, c.type.group, c.info.name,
                                            "the object has been modified; please apply your "
                                            "changes to the latest version and try again"));
    }
    if (!stored && status_request) {
      return ErrorResponse(c, NotFoundError(c.type.plural, c.type.group, c.info.name));
    }
    Json live = stored ? ToWire(c.type, *stored) : Json();
    Json merged;
    ApiError conflict;
    if (!ApplyConfiguration(stored ? &live : nullptr, patch, QueryBool(c.info.query, "force"),
                            Scope(c, manager), c.type.plural, c.type.group, &merged, &conflict)) {
      return ErrorResponse(c, conflict);
    }
    merged["apiVersion"] = c.type.ApiVersion();
    merged["kind"] = c.type.kind;
    if (!stored) return CommitCreate(c, std::move(merged), true);
    return CommitUpdate(c, *stored, std::move(merged), status_request, true);
  }

  if (!stored) return ErrorResponse(c, NotFoundError(c.type.plural, c.type.group, c.info.name));
  Json candidate = ToWire(c.type, *stored);
  if (media == "application/merge-patch+json") {
    if (!patch.is_object()) return ErrorResponse(c, BadRequestError("merge patch must be a JSON object"));
    candidate = MergePatch(candidate, patch);
  } else if (media == "application/json-patch+json") {
    if (!ApplyJsonPatch(&candidate, patch, &err)) return ErrorResponse(c, GenericInvalidError(err));
  } else if (!StrategicMergePatch(&candidate, patch, StrategicListStrategy, &err)) {
    return ErrorResponse(c, BadRequestError(err));
  }
  if (!candidate.is_object()) return ErrorResponse(c, BadRequestError("the patched object must be a JSON object"));
  std::string patched_name = StringField(Field(candidate, "metadata"), "name");
  if (patched_name != c.info.name) {
    return ErrorResponse(c, BadRequestError("metadata.name: Invalid value: \"" + patched_name +
                                            "\": field is immutable"));
  }
  return CommitUpdate(c, *stored, std::move(candidate), status_request, false);
}

HttpResponse ResourceHandler::CommitUpdate(Call& c, const Json& old_stored, Json candidate,
                                           bool status_request, bool managed_fields_done) {
  Json old = ToWire(c.type, old_stored);
  std::string rv = StringField(Field(candidate, "metadata"), "resourceVersion");
  std::string old_rv = StringField(old["metadata"], "resourceVersion");
  if (!rv.empty() && rv != old_rv) {
    return ErrorResponse(c, ConflictError(c.type.plural, c.type.group, c.info.name,
                                          "the object has been modified; please apply your "
                                          "changes to the latest version and try again"));
  }
  if (c.type.namespaced) {
    std::string ns = StringField(Field(candidate, "metadata"), "namespace");
    if (!ns.empty() && ns != c.info.namespace_) {
      return ErrorResponse(c, BadRequestError("the namespace of the provided object does not "
                                              "match the namespace sent on the request"));
    }
  }
  if (auto e = CheckUnknownFields(c, &candidate)) return ErrorResponse(c, *e);
  // Defaults first, as decoding does on a real server, so re-defaulted fields do not count as a
  // spec change for metadata.generation.
  if (c.type.custom) ApplyDefaults(&candidate, c.type.schema);
  PrepareForUpdate(c.type, status_request, old, &candidate);
  candidate["apiVersion"] = c.type.ApiVersion();
  candidate["kind"] = c.type.kind;
  if (auto e = DefaultAndValidate(c, &candidate, &old)) return ErrorResponse(c, *e);
  if (c.type.builtin == "CustomResourceDefinition") EstablishCrd(&candidate, &old, c.now);
  if (!managed_fields_done) RecordUpdate(&old, &candidate, Scope(c, FieldManager(c)));
  candidate["metadata"]["resourceVersion"] = old_rv;

  bool changed = WithoutVolatile(candidate) != WithoutVolatile(old) ||
                 ManagedFieldsWithoutTimes(candidate) != ManagedFieldsWithoutTimes(old);
  if (!changed) return ObjectResponse(c, 200, old);  // a no-op keeps the resourceVersion
  if (DryRun(c)) return ObjectResponse(c, 200, candidate);
  candidate["metadata"]["resourceVersion"] = std::to_string(state_.store.NextRv());
  Json stored = FromWire(c.type, c.storage_type, candidate);
  state_.store.Put(c.type.storage, c.info.namespace_, c.info.name, stored);
  if (c.type.builtin == "CustomResourceDefinition") {
    state_.registry.SetCrdTypes(c.info.name, TypesFromCrd(stored));
  }
  FinishDeletionIfReady(state_, c.storage_type, stored);
  return ObjectResponse(c, 200, ToWire(c.type, stored));
}

}  // namespace pgferry::fakeapi
