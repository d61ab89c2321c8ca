// Derives the summary fields of a MigrationStatus (phase, method, progress, lagBytes, error,
// completionTime) and its conditions (Ready, Reconciling, Stalled, InSync) from the
// per-database statuses. Pure; the one place these rules live.
#pragma once

#include "reconcilers/api/migration.h"

namespace pgferry {

void SummarizeStatus(const api::MigrationSpec& spec, int64_t generation, api::MigrationStatus* s);

// Sets (or updates) one condition, keeping lastTransitionTime when the status did not change.
void SetCondition(api::MigrationStatus* s, const std::string& type, bool value,
                  const std::string& reason, const std::string& message, int64_t generation = -1);

}  // namespace pgferry
