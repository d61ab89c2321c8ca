// metadata.managedFields bookkeeping and server-side apply, simplified from
// structured-merge-diff but faithful where kubectl looks: Update entries for create/update/patch
// (fields a request changed move to its manager), Apply entries and 409 conflicts with the real
// message for apply patches, removal of fields an applier stops sending, managedFields stored as
// sent when a request changes them explicitly (kubectl's client-side to server-side apply
// migration relies on this), and "[{}]" resetting them.
//
// Pure functions over JSON values; thread-safe.
#pragma once

#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct FieldManagerScope {
  std::string manager;
  std::string api_version;    // "pgferry.io/v1alpha1"
  std::string subresource;    // "" or "status"
  bool split_status = false;  // the type has a status subresource
  Json schema;                // root schema, metadata as ObjectMeta; null for "untyped"
  std::string now;            // RFC 3339 time for the entries
};

// After a create (old == nullptr), update or non-apply patch has produced `updated`: records the
// changed fields under the request's manager in updated->metadata.managedFields.
void RecordUpdate(const Json* old, Json* updated, const FieldManagerScope& scope);

// Server-side apply of `config` onto `live` (nullptr: the object does not exist yet). On success
// stores the merged object, with managedFields, in *result. On conflicts (without force) returns
// false and sets *error to the 409 Status kubectl prints as "Apply failed with N conflict(s)".
bool ApplyConfiguration(const Json* live, const Json& config, bool force,
                        const FieldManagerScope& scope, const std::string& resource,
                        const std::string& group, Json* result, ApiError* error);

}  // namespace pgferry::fakeapi
