// Discovery documents built from the ResourceRegistry: /version (minor "32", which makes the
// gcloud kubectl dispatcher run its built-in v1.32 client), aggregated discovery (apidiscovery
// v2 / v2beta1, chosen from Accept) and legacy discovery (APIVersions, APIGroupList, APIGroup,
// APIResourceList).
//
// Pure functions over the registry; callers hold ApiServer's state mutex.
#pragma once

#include <string>

#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/resource_registry.h"

namespace pgferry::fakeapi {

Json VersionInfo();

// Answers /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>; nullopt-like status 404 when unknown.
HttpResponse DiscoveryResponse(const ResourceRegistry& registry, const std::string& path,
                               const std::string& accept, const std::string& server_address);

}  // namespace pgferry::fakeapi
