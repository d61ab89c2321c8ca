// The cleanup finalizer `pgferry.io/cleanup` on a PgMigration: added before pgferry touches any
// server, removed once cleanup ran (or was given up). Each change is a conditional PUT of the
// object (metadata.resourceVersion), re-read and retried once on 409 Conflict.
//
// Stateless functions; thread-safe as far as the KubeClient is.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/common/status.h"
#include "operator/kube/kube_client.h"

namespace pgferry::controller {

bool HasFinalizer(const nlohmann::json& object, const std::string& finalizer);

// Returns the object as stored after the change (unchanged when nothing was to do). Removing
// from an object that is gone is not an error (kNotFound is returned for the caller to see).
Result<nlohmann::json> AddFinalizer(kube::KubeClient& client, const nlohmann::json& object,
                                    const std::string& finalizer);
Result<nlohmann::json> RemoveFinalizer(kube::KubeClient& client, const nlohmann::json& object,
                                       const std::string& finalizer);

}  // namespace pgferry::controller
