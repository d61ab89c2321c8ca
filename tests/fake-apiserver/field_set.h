// Field sets as server-side apply records them in metadata.managedFields (FieldsV1: "f:name",
// "k:{...}" for items of map lists, "v:..." for set items, "." for the node itself), computed from
// objects with their schema (objects are granular, lists atomic unless x-kubernetes-list-type says
// map or set, maps atomic when x-kubernetes-map-type is atomic).
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct FieldSet {
  bool member = false;  // the node itself is owned
  std::map<std::string, FieldSet> children;

  bool empty() const;
  static FieldSet FromJson(const Json& fields_v1);
  Json ToJson() const;
  FieldSet Union(const FieldSet& other) const;
  FieldSet Minus(const FieldSet& other) const;
  FieldSet Intersect(const FieldSet& other) const;
  // Drops the membership of nodes that still have descendants in `keep` (pruning a field an
  // applier stopped sending must not remove a parent whose other children are still owned).
  FieldSet WithoutAncestorsOf(const FieldSet& keep) const;
  // Every member as a printable path (".spec.port", ".status.conditions[type=\"Ready\"]") with
  // its element keys, in order.
  std::vector<std::vector<std::string>> MemberPaths() const;
};

// Every field present in `obj` (apply semantics: containers are members only when empty, items of
// map lists always). `schema` may be null (then objects are granular and lists atomic).
FieldSet FieldsOf(const Json& obj, const Json& schema);

// Fields added or changed from `old` to `updated` (update semantics: containers that did not
// exist before are members). Fields that disappeared go to *removed.
FieldSet ChangedFields(const Json& old, const Json& updated, const Json& schema, FieldSet* removed);

// The value at a member path in `obj`; false when absent.
bool ValueAtPath(const Json& obj, const std::vector<std::string>& path, const Json& schema, Json* out);

// Removes the members of `set` from `obj`, dropping containers left empty by it.
void RemoveFields(Json* obj, const FieldSet& set, const Json& schema);

// ".spec.port" text for a member path.
std::string FieldPathString(const std::vector<std::string>& path);

}  // namespace pgferry::fakeapi
