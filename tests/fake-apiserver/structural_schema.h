// A CRD's structural OpenAPI v3 schema applied to an object the way apiextensions-apiserver
// does it: pruning of unknown fields, defaulting (including dropping nulls from non-nullable
// fields), and validation with kube-openapi's messages (types, enum, minimum/maximum, lengths,
// patterns, formats, required, list types), ratcheted against the old object on updates.
//
// Pure functions over JSON values; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

// Removes fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields);
// appends each removed field's path ("spec.foo", "spec.list[0].bar") to *unknown. At the root (and
// in x-kubernetes-embedded-resource objects) apiVersion, kind and metadata are always kept;
// metadata itself is not pruned here.
void PruneUnknownFields(Json* obj, const Json& schema, bool is_root, std::vector<std::string>* unknown);

// Applies `default`s top-down and removes nulls of non-nullable fields that have no default.
void ApplyDefaults(Json* obj, const Json& schema);

// Validates `value` against `schema`; `old` (may be null) is the value before an update, used to
// ratchet: a subtree equal to its old value is not re-validated. Root metadata is skipped.
void ValidateAgainstSchema(const Json& value, const Json* old, const Json& schema,
                           const std::string& path, FieldErrors* errors);

// The sub-schema for a property or for array items / map values; null when undeclared.
const Json& PropertySchema(const Json& schema, const std::string& key);
const Json& ItemsSchema(const Json& schema);

// "spec" + "port" -> "spec.port"; "" + "spec" -> "spec".
std::string JoinPath(const std::string& path, const std::string& key);

}  // namespace pgferry::fakeapi
