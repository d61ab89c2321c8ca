#include "operator/kube/resource.h"

namespace pgferry::kube {

std::string Resource::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string Resource::QualifiedName() const {
  return group.empty() ? plural : plural + "." + group;
}

Resource SecretsResource() { return {"", "v1", "secrets"}; }
Resource EventsResource() { return {"", "v1", "events"}; }
Resource LeasesResource() { return {"coordination.k8s.io", "v1", "leases"}; }
Resource PgMigrationsResource() { return {"pgferry.io", "v1alpha1", "pgmigrations"}; }

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string ResourcePath(const Resource& resource, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string path = resource.group.empty() ? "/api/" + PercentEncode(resource.version)
                                            : "/apis/" + PercentEncode(resource.group) + "/" +
                                                  PercentEncode(resource.version);
  if (!ns.empty()) path += "/namespaces/" + PercentEncode(ns);
  path += "/" + PercentEncode(resource.plural);
  if (!name.empty()) {
    path += "/" + PercentEncode(name);
    if (!subresource.empty()) path += "/" + PercentEncode(subresource);
  }
  return path;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += PercentEncode(key) + "=" + PercentEncode(value);
  }
  return out;
}

}  // namespace pgferry::kube
