// ResourceHandler dispatch and the pieces shared by the verb implementations (resource_reads.cc,
// resource_writes.cc, resource_deletes.cc).
#include "tests/fake-apiserver/resource_handler.h"

#include <algorithm>

#include "tests/fake-apiserver/builtin_schemas.h"
#include "tests/fake-apiserver/cel_rules.h"
#include "tests/fake-apiserver/crd.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"
#include "tests/fake-apiserver/type_rules.h"

namespace pgferry::fakeapi {
namespace {

std::string WarningHeader(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& w : warnings) {
    if (!out.empty()) out += ", ";
    std::string escaped;
    for (char ch : w) {
      if (ch == '"' || ch == '\\') escaped += '\\';
      escaped += ch;
    }
    out += "299 - \"" + escaped + "\"";
  }
  return out;
}

}  // namespace

std::optional<HttpResponse> ResourceHandler::Handle(const HttpRequest& request,
                                                    const RequestInfo& request_info,
                                                    StreamOpener* opener) {
  std::lock_guard<std::mutex> lock(state_.mu);
  RequestInfo info = request_info;
  // "/api/v1/namespaces/NAME" names a Namespace, which itself lives in no namespace.
  if (info.resource == "namespaces" && info.api_group.empty()) info.namespace_.clear();
  const ResourceType* type = state_.registry.Find(info.api_group, info.api_version, info.resource);
  const ResourceType* storage = type ? state_.registry.StorageType(type->storage) : nullptr;
  HttpResponse not_found;
  not_found.status = 404;
  not_found.headers["Content-Type"] = "application/json";
  not_found.body = ResourceNotFoundError().ToStatus().dump();
  if (!type || !storage) return not_found;
  if (!info.subresource.empty() && !(info.subresource == "status" && type->status_subresource)) {
    return not_found;
  }
  if (!type->namespaced && !info.namespace_.empty()) return not_found;
  Call c{request, info, *type, *storage, NowRfc3339(), {}};
  if (type->namespaced && info.namespace_.empty() && info.verb != "list" && info.verb != "watch") {
    return not_found;  // only list and watch span namespaces
  }
  if (info.verb == "get") return Get(c);
  if (info.verb == "list") return List(c);
  if (info.verb == "watch") return Watch(c, opener);
  if (info.verb == "create") return info.name.empty() ? Create(c) : not_found;
  if (info.verb == "update") return Update(c);
  if (info.verb == "patch") return Patch(c);
  if (info.verb == "delete") return Delete(c);
  if (info.verb == "deletecollection") return DeleteCollection(c);
  return ErrorResponse(c, MethodNotAllowedError("the server does not allow this method on the "
                                                "requested resource"));
}

HttpResponse ResourceHandler::ObjectResponse(Call& c, int status, const Json& wire) {
  HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.headers["Cache-Control"] = "no-cache, private";
  if (!c.warnings.empty()) r.headers["Warning"] = WarningHeader(c.warnings);
  r.body = wire.dump();
  return r;
}

HttpResponse ResourceHandler::ErrorResponse(Call& c, const ApiError& error) {
  return ObjectResponse(c, error.code, error.ToStatus());
}

std::string ResourceHandler::FieldManager(const Call& c) const {
  std::string m = QueryValue(c.info.query, "fieldManager");
  if (!m.empty()) return m;
  std::string ua = c.http.Header("User-Agent");
  m = ua.substr(0, ua.find('/'));
  return m.empty() ? "unknown" : m;
}

bool ResourceHandler::DryRun(const Call& c) const {
  return QueryValue(c.info.query, "dryRun") == "All";
}

std::optional<ApiError> ResourceHandler::CheckUnknownFields(Call& c, Json* obj) {
  std::string mode = QueryValue(c.info.query, "fieldValidation");
  if (mode.empty()) mode = "Warn";
  if (mode != "Strict" && mode != "Warn" && mode != "Ignore") {
    return BadRequestError("fieldValidation parameter unsupported: " + mode);
  }
  std::vector<std::string> unknown;
  PruneUnknownFields(obj, c.type.schema, true, &unknown);
  Json meta = Field(*obj, "metadata");
  if (meta.is_object()) {
    std::vector<std::string> meta_unknown;
    PruneUnknownFields(&meta, ObjectMetaSchema(), false, &meta_unknown);
    for (const auto& f : meta_unknown) unknown.push_back("metadata." + f);
    (*obj)["metadata"] = meta;
  }
  if (c.type.builtin == "CustomResourceDefinition") {
    FieldErrors ignored;
    ValidateCrd(*obj, &ignored, &unknown);
  }
  if (unknown.empty() || mode == "Ignore") return std::nullopt;
  if (mode == "Warn") {
    for (const auto& f : unknown) c.warnings.push_back("unknown field \"" + f + "\"");
    return std::nullopt;
  }
  std::string message = c.type.kind + " in version \"" + c.type.version +
                        "\" cannot be handled as a " + c.type.kind + ": strict decoding error: ";
  for (size_t i = 0; i < unknown.size(); ++i) {
    if (i) message += ", ";
    message += "unknown field \"" + unknown[i] + "\"";
  }
  return BadRequestError(message);
}

std::optional<ApiError> ResourceHandler::DefaultAndValidate(Call& c, Json* obj, const Json* old) {
  const ResourceType& t = c.type;
  if (t.custom) ApplyDefaults(obj, t.schema);
  if (t.builtin == "CustomResourceDefinition") DefaultCrd(obj);
  FieldErrors errors;
  const Json* old_meta = old ? &Field(*old, "metadata") : nullptr;
  ValidateAgainstSchema(Field(*obj, "metadata"), old_meta, ObjectMetaSchema(), "metadata", &errors);
  ValidateObjectMeta(Field(*obj, "metadata"), t.namespaced,
                     t.builtin == "Namespace" ? "label" : "subdomain", &errors);
  if (old) {
    const Json& before = Field(Field(*old, "metadata"), "finalizers");
    const Json& after = Field(Field(*obj, "metadata"), "finalizers");
    if (!Field(Field(*old, "metadata"), "deletionTimestamp").is_null() && after.is_array()) {
      Json added = Json::array();
      for (const auto& f : after) {
        bool existed = before.is_array() && std::find(before.begin(), before.end(), f) != before.end();
        if (!existed) added.push_back(f);
      }
      if (!added.empty()) {
        std::string list;
        for (const auto& f : added) list += (list.empty() ? "" : ", ") + GoQuote(f.get<std::string>());
        errors.push_back(ForbiddenError(
            "metadata.finalizers",
            "no new finalizers can be added if the object is being deleted, found new finalizers "
            "[]string{" + list + "}"));
      }
    }
  }
  if (t.custom) {
    ValidateAgainstSchema(*obj, old, t.schema, "", &errors);
    ValidateCelRules(*obj, old, t.schema, "", &errors);
  } else if (t.builtin == "CustomResourceDefinition") {
    std::vector<std::string> unknown;
    ValidateCrd(*obj, &errors, &unknown);
  } else {
    ValidateAgainstSchema(*obj, old, t.schema, "", &errors);
    ValidateBuiltin(t, *obj, old, &errors);
  }
  if (errors.empty()) return std::nullopt;
  return InvalidObjectError(t.kind, t.group, StringField(Field(*obj, "metadata"), "name"), errors);
}

}  // namespace pgferry::fakeapi
