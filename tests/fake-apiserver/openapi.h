// OpenAPI v3 as kube-apiserver publishes it, enough for kubectl: the /openapi/v3 index (one
// entry per group-version, with a content hash) and per group-version documents whose PATCH
// operations carry x-kubernetes-group-version-kind and the fieldValidation parameter (so
// `kubectl apply` validates on the server) and whose component schemas come from the types'
// schemas (CRD openAPIV3Schema for custom resources), so `kubectl explain` works. Strategic merge
// patch is deliberately not advertised (kubectl then uses merge patch for custom resources).
//
// Pure functions over the registry; callers hold ApiServer's state mutex.
#pragma once

#include <string>

#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/resource_registry.h"

namespace pgferry::fakeapi {

// Answers /openapi/v3 and /openapi/v3/<api/v1 | apis/g/v>; 404 otherwise.
HttpResponse OpenApiResponse(const ResourceRegistry& registry, const std::string& path);

}  // namespace pgferry::fakeapi
