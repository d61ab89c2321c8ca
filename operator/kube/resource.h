// Resource and URL paths: which Kubernetes collection an API call addresses.
//
// A Resource names a collection by group, version and plural (the "GVR"); the core group is the
// empty string and lives under /api/v1, every other group under /apis/GROUP/VERSION. Paths are
// built here and nowhere else, so the rules (namespaced vs cluster-wide collections,
// subresources, escaping) are written once.
//
// Plain values and pure functions: copy freely, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgferry::kube {

struct Resource {
  std::string group;    // "" for the core group ("v1" Secrets, Events, ...)
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "secrets", "pgmigrations"

  // "v1" or "coordination.k8s.io/v1": the apiVersion of objects in this collection.
  std::string ApiVersion() const;
  // "secrets" or "pgmigrations.pgferry.io", as kubectl names a resource in messages.
  std::string QualifiedName() const;

  bool operator==(const Resource&) const = default;
};

// The resources pgferry itself uses.
Resource SecretsResource();
Resource EventsResource();
Resource LeasesResource();        // coordination.k8s.io/v1
Resource PgMigrationsResource();  // pgferry.io/v1alpha1

// The URL path of a collection, an object or an object's subresource:
//   ResourcePath(secrets, "default")                → /api/v1/namespaces/default/secrets
//   ResourcePath(secrets, "", "")                   → /api/v1/secrets (all namespaces)
//   ResourcePath(pgm, "ns", "m1", "status")         →
//   /apis/pgferry.io/v1alpha1/namespaces/ns/pgmigrations/m1/status
// An empty namespace means a cluster-scoped resource or a list across all namespaces. Segments
// are percent-encoded, so a malformed name cannot change the path's meaning.
std::string ResourcePath(const Resource& resource, std::string_view ns = {},
                         std::string_view name = {}, std::string_view subresource = {});

// "?a=1&b=x%3Dy" from name/value pairs, skipping empty values; "" when nothing is left.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(std::string_view text);

}  // namespace pgferry::kube
