// The three client patch formats kube-apiserver accepts besides apply: JSON merge patch (RFC 7386),
// JSON patch (RFC 6902) and strategic merge patch (the subset built-in types need: merge keys,
// primitive sets, and the $patch, $retainKeys, $deleteFromPrimitiveList and $setElementOrder
// directives).
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

Json MergePatch(const Json& target, const Json& patch);

// Applies `ops` (a JSON array) to `doc`. Returns false with *error set on a failed operation.
bool ApplyJsonPatch(Json* doc, const Json& ops, std::string* error);

// How a list field merges in a strategic merge patch; `path` is like "metadata.ownerReferences".
struct ListStrategy {
  enum Kind { kReplace, kMergeByKey, kSet } kind = kReplace;
  std::string merge_key;
};
using ListStrategyFn = std::function<ListStrategy(const std::string& path)>;

bool StrategicMergePatch(Json* target, const Json& patch, const ListStrategyFn& strategy,
                         std::string* error);

}  // namespace pgferry::fakeapi
