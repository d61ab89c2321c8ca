#include "tests/fake-apiserver/discovery.h"

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {
namespace {

std::string Scope(const ResourceType& t) { return t.namespaced ? "Namespaced" : "Cluster"; }

Json AggregatedResource(const ResourceType& t) {
  Json kind = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
  Json r = {{"resource", t.plural},
            {"responseKind", kind},
            {"scope", Scope(t)},
            {"singularResource", t.singular},
            {"verbs", t.verbs}};
  if (!t.short_names.empty()) r["shortNames"] = t.short_names;
  if (!t.categories.empty()) r["categories"] = t.categories;
  if (t.status_subresource) {
    r["subresources"] = Json::array({{{"subresource", "status"},
                                      {"responseKind", kind},
                                      {"verbs", {"get", "patch", "update"}}}});
  }
  return r;
}

Json AggregatedGroup(const ResourceRegistry::Group& g) {
  Json versions = Json::array();
  for (const auto& v : g.versions) {
    Json resources = Json::array();
    for (const ResourceType* t : v.types) resources.push_back(AggregatedResource(*t));
    versions.push_back({{"version", v.version}, {"resources", resources}, {"freshness", "Current"}});
  }
  Json meta = {{"creationTimestamp", nullptr}};
  if (!g.name.empty()) meta["name"] = g.name;
  return {{"metadata", meta}, {"versions", versions}};
}

Json ResourceList(const ResourceRegistry::GroupVersion& v, const std::string& group_version) {
  Json resources = Json::array();
  for (const ResourceType* t : v.types) {
    Json r = {{"name", t->plural},
              {"singularName", t->singular},
              {"namespaced", t->namespaced},
              {"kind", t->kind},
              {"verbs", t->verbs}};
    if (!t->short_names.empty()) r["shortNames"] = t->short_names;
    if (!t->categories.empty()) r["categories"] = t->categories;
    resources.push_back(r);
    if (t->status_subresource) {
      resources.push_back({{"name", t->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", t->kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group_version},
          {"resources", resources}};
}

Json ApiGroup(const ResourceRegistry::Group& g) {
  Json versions = Json::array();
  for (const auto& v : g.versions) {
    versions.push_back({{"groupVersion", g.name + "/" + v.version}, {"version", v.version}});
  }
  return {{"name", g.name}, {"versions", versions}, {"preferredVersion", versions[0]}};
}

HttpResponse JsonOk(const Json& body, const std::string& content_type = "application/json") {
  HttpResponse r;
  r.status = 200;
  r.headers["Content-Type"] = content_type;
  r.headers["Vary"] = "Accept";
  r.body = body.dump();
  return r;
}

// The aggregated-discovery version the client asked for first ("v2", "v2beta1"), or "".
std::string AggregatedVersion(const std::string& accept) {
  size_t start = 0;
  while (start < accept.size()) {
    size_t comma = accept.find(',', start);
    std::string part = accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.find("as=APIGroupDiscoveryList") != std::string::npos &&
        part.find("g=apidiscovery.k8s.io") != std::string::npos) {
      if (part.find("v=v2beta1") != std::string::npos) return "v2beta1";
      if (part.find("v=v2") != std::string::npos) return "v2";
    } else if (part.find("application/json") != std::string::npos) {
      return "";
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return "";
}

}  // namespace

Json VersionInfo() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0"},
          {"gitCommit", "70d3cc986aa8221cd1dfb1121852688902d3bf53"},
          {"gitTreeState", "clean"},
          {"buildDate", "2024-12-11T17:59:15Z"},
          {"goVersion", "go1.23.3"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

HttpResponse DiscoveryResponse(const ResourceRegistry& registry, const std::string& path,
                               const std::string& accept, const std::string& server_address) {
  auto groups = registry.Groups();
  std::string aggregated = AggregatedVersion(accept);
  std::string aggregated_type = "application/json;g=apidiscovery.k8s.io;v=" + aggregated +
                                ";as=APIGroupDiscoveryList";
  Json aggregated_list = {{"kind", "APIGroupDiscoveryList"},
                          {"apiVersion", "apidiscovery.k8s.io/" + aggregated},
                          {"metadata", Json::object()},
                          {"items", Json::array()}};
  if (path == "/api" || path == "/api/") {
    if (!aggregated.empty()) {
      for (const auto& g : groups) {
        if (g.name.empty()) aggregated_list["items"].push_back(AggregatedGroup(g));
      }
      return JsonOk(aggregated_list, aggregated_type);
    }
    return JsonOk({{"kind", "APIVersions"},
                   {"versions", {"v1"}},
                   {"serverAddressByClientCIDRs",
                    {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}});
  }
  if (path == "/apis" || path == "/apis/") {
    if (!aggregated.empty()) {
      for (const auto& g : groups) {
        if (!g.name.empty()) aggregated_list["items"].push_back(AggregatedGroup(g));
      }
      return JsonOk(aggregated_list, aggregated_type);
    }
    Json list = Json::array();
    for (const auto& g : groups) {
      if (!g.name.empty()) list.push_back(ApiGroup(g));
    }
    return JsonOk({{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}});
  }
  for (const auto& g : groups) {
    std::string prefix = g.name.empty() ? "/api" : "/apis/" + g.name;
    if (!g.name.empty() && (path == prefix || path == prefix + "/")) {
      Json group = ApiGroup(g);
      group["kind"] = "APIGroup";
      group["apiVersion"] = "v1";
      return JsonOk(group);
    }
    for (const auto& v : g.versions) {
      if (path == prefix + "/" + v.version || path == prefix + "/" + v.version + "/") {
        return JsonOk(ResourceList(v, g.name.empty() ? v.version : g.name + "/" + v.version));
      }
    }
  }
  HttpResponse r;
  r.status = 404;
  r.headers["Content-Type"] = "application/json";
  r.body = ResourceNotFoundError().ToStatus().dump();
  return r;
}

}  // namespace pgferry::fakeapi
