// Decoding a Kubernetes `v1` Secret document into api::Secret.
//
// `data` values are base64 and decoded; `stringData` values are plain and override `data` keys,
// as the API server does. Errors are kInvalidArgument, read `Secret "NAME": FIELD: problem`, and
// never contain a value from the Secret. Pure function: thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/common/status.h"
#include "reconcilers/api/migration.h"

namespace pgferry::manifest {

Result<api::Secret> SecretFromJson(const nlohmann::json& object);

}  // namespace pgferry::manifest
