// ResourceType: everything the fake needs to serve one resource of one API version: names for
// discovery, scope, status subresource, update rules (kube-apiserver's "strategy" flags), the
// schema, Table columns and supported field selectors. Built-in types come from builtin_types.cc,
// custom resources from their CRD (crd.cc).
//
// Plain values; thread-safe to read.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct PrinterColumn {
  std::string name;
  std::string type;  // string|integer|number|boolean|date
  std::string format;
  std::string description;
  std::string json_path;  // used when `compute` is empty
  int priority = 0;
  std::function<Json(const Json& obj)> compute;  // built-in columns computed in code
};

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool namespaced = true;
  bool status_subresource = false;
  bool has_generation = false;        // metadata.generation counts spec changes
  bool unconditional_update = true;   // PUT without metadata.resourceVersion is allowed
  bool create_on_update = false;      // PUT may create
  bool strategic_merge = true;        // accepts application/strategic-merge-patch+json
  bool custom = false;                // served from a CRD
  bool storage_version = true;        // the version objects are stored in
  std::string crd_name;               // "pgmigrations.pgferry.io" for custom resources
  std::string builtin;                // "Secret", "Namespace", ... selects type-specific rules
  std::string storage;                // storage key; Events of both groups share "events"
  Json schema;                        // root structural schema, metadata as ObjectMeta
  std::vector<PrinterColumn> columns;        // Table columns after Name
  std::vector<std::string> field_labels;     // fieldSelector labels besides metadata.name/namespace
  std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get",
                                    "list",   "patch",  "update",           "watch"};

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string GroupResource() const { return group.empty() ? plural : plural + "." + group; }
};

}  // namespace pgferry::fakeapi
