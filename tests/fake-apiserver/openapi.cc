#include "tests/fake-apiserver/openapi.h"

#include <cstdio>

#include "tests/fake-apiserver/builtin_schemas.h"
#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::fakeapi {
namespace {

const char* kObjectMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const char* kListMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

// "io.pgferry.v1alpha1.PgMigration" for custom resources, the Go package name for built-ins.
std::string SchemaName(const ResourceType& t, const std::string& kind) {
  if (t.custom) {
    std::string reversed;
    std::string g = t.group;
    size_t end = g.size();
    while (true) {
      size_t dot = g.rfind('.', end - 1);
      std::string part = g.substr(dot == std::string::npos ? 0 : dot + 1,
                                  end - (dot == std::string::npos ? 0 : dot + 1));
      reversed += (reversed.empty() ? "" : ".") + part;
      if (dot == std::string::npos || dot == 0) break;
      end = dot;
    }
    return reversed + "." + t.version + "." + kind;
  }
  if (t.group.empty()) return "io.k8s.api.core." + t.version + "." + kind;
  if (t.group == "apiextensions.k8s.io") {
    return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + t.version + "." + kind;
  }
  std::string short_group = t.group.substr(0, t.group.find('.'));
  return "io.k8s.api." + short_group + "." + t.version + "." + kind;
}

std::string Hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(h));
  return buf;
}

Json Gvk(const ResourceType& t, const std::string& kind) {
  return {{"group", t.group}, {"version", t.version}, {"kind", kind}};
}

Json Parameter(const char* name, const char* description) {
  return {{"name", name},
          {"in", "query"},
          {"description", description},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

Json Response(const std::string& ref) {
  return {{"200",
           {{"description", "OK"},
            {"content", {{"application/json", {{"schema", {{"$ref", ref}}}}}}}}}};
}

Json Operation(const ResourceType& t, const std::string& action, const std::string& ref,
               bool write) {
  Json op = {{"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", Gvk(t, t.kind)},
             {"operationId", action + t.kind},
             {"responses", Response(ref)}};
  Json params = Json::array();
  if (write) {
    params.push_back(Parameter("dryRun", "When present, indicates that modifications should not be persisted."));
    params.push_back(Parameter("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."));
    params.push_back(Parameter("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."));
  }
  if (action == "patch") {
    params.push_back(Parameter("force", "Force is going to \"force\" Apply requests."));
    op["requestBody"] = {{"content",
                          {{"application/apply-patch+yaml", {{"schema", {{"type", "object"}}}}},
                           {"application/json-patch+json", {{"schema", {{"type", "object"}}}}},
                           {"application/merge-patch+json", {{"schema", {{"type", "object"}}}}}}},
                         {"required", true}};
  } else if (write && action != "delete") {
    op["requestBody"] = {{"content", {{"application/json", {{"schema", {{"$ref", ref}}}}}}},
                         {"required", true}};
  }
  op["parameters"] = params;
  return op;
}

// The component schema for a kind: the type's schema with metadata as a reference.
Json KindSchema(const ResourceType& t) {
  Json s = t.schema.is_object() ? t.schema : Json{{"type", "object"}};
  s["properties"]["metadata"] = {
      {"allOf", Json::array({{{"$ref", kObjectMetaRef}}})},
      {"description",
       "Standard object's metadata. More info: "
       "https://git.k8s.io/community/contributors/devel/sig-architecture/"
       "api-conventions.md#metadata"}};
  s["x-kubernetes-group-version-kind"] = Json::array({Gvk(t, t.kind)});
  return s;
}

Json ListSchema(const ResourceType& t, const std::string& item_ref) {
  return {{"type", "object"},
          {"description", t.list_kind + " is a list of " + t.kind},
          {"required", {"items"}},
          {"properties",
           {{"apiVersion", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"items", {{"type", "array"}, {"items", {{"$ref", item_ref}}}}},
            {"metadata", {{"allOf", Json::array({{{"$ref", kListMetaRef}}})}}}}},
          {"x-kubernetes-group-version-kind", Json::array({Gvk(t, t.list_kind)})}};
}

Json GroupVersionDocument(const std::vector<const ResourceType*>& types) {
  Json paths = Json::object();
  Json schemas = {{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", ObjectMetaSchema()},
                  {"io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", ListMetaSchema()}};
  for (const ResourceType* t : types) {
    std::string name = SchemaName(*t, t->kind);
    std::string list_name = SchemaName(*t, t->list_kind);
    std::string ref = "#/components/schemas/" + name;
    std::string list_ref = "#/components/schemas/" + list_name;
    schemas[name] = KindSchema(*t);
    schemas[list_name] = ListSchema(*t, ref);
    std::string base = t->group.empty() ? "/api/" + t->version : "/apis/" + t->ApiVersion();
    std::string collection = base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->plural;
    Json path_params = Json::array();
    if (t->namespaced) {
      path_params.push_back({{"name", "namespace"}, {"in", "path"}, {"required", true},
                             {"schema", {{"type", "string"}}}});
    }
    paths[collection] = {{"get", Operation(*t, "list", list_ref, false)},
                         {"post", Operation(*t, "post", ref, true)},
                         {"delete", Operation(*t, "deletecollection", ref, true)},
                         {"parameters", path_params}};
    Json item_params = path_params;
    item_params.push_back({{"name", "name"}, {"in", "path"}, {"required", true},
                           {"schema", {{"type", "string"}}}});
    paths[collection + "/{name}"] = {{"get", Operation(*t, "get", ref, false)},
                                     {"put", Operation(*t, "put", ref, true)},
                                     {"patch", Operation(*t, "patch", ref, true)},
                                     {"delete", Operation(*t, "delete", ref, true)},
                                     {"parameters", item_params}};
    if (t->status_subresource) {
      paths[collection + "/{name}/status"] = {{"get", Operation(*t, "get", ref, false)},
                                              {"put", Operation(*t, "put", ref, true)},
                                              {"patch", Operation(*t, "patch", ref, true)},
                                              {"parameters", item_params}};
    }
    if (t->namespaced) {
      paths[base + "/" + t->plural] = {{"get", Operation(*t, "list", list_ref, false)}};
    }
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

HttpResponse Ok(const Json& body) {
  HttpResponse r;
  r.headers["Content-Type"] = "application/json";
  r.body = body.dump();
  return r;
}

}  // namespace

HttpResponse OpenApiResponse(const ResourceRegistry& registry, const std::string& path) {
  std::map<std::string, std::vector<const ResourceType*>> by_gv;
  for (const auto& g : registry.Groups()) {
    for (const auto& v : g.versions) {
      std::string key = g.name.empty() ? "api/" + v.version : "apis/" + g.name + "/" + v.version;
      by_gv[key] = v.types;
    }
  }
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    Json paths = Json::object();
    for (const auto& [key, types] : by_gv) {
      std::string hash = Hash(GroupVersionDocument(types).dump());
      paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash}};
    }
    return Ok({{"paths", paths}});
  }
  const std::string prefix = "/openapi/v3/";
  if (path.rfind(prefix, 0) == 0) {
    auto it = by_gv.find(path.substr(prefix.size()));
    if (it != by_gv.end()) {
      HttpResponse r = Ok(GroupVersionDocument(it->second));
      r.headers["Cache-Control"] = "public, immutable";
      return r;
    }
  }
  HttpResponse r;
  r.status = 404;
  r.headers["Content-Type"] = "application/json";
  r.body = ResourceNotFoundError().ToStatus().dump();
  return r;
}

}  // namespace pgferry::fakeapi
