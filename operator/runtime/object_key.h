// Object keys: how the runtime names an object in its caches and work queues.
//
// "namespace/name" for namespaced objects and "name" for cluster-scoped ones, as client-go's
// MetaNamespaceKeyFunc does, so keys read the same in logs as in kubectl. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pgferry::runtime {

struct ObjectName {
  std::string ns;  // "" for a cluster-scoped object
  std::string name;

  bool operator==(const ObjectName&) const = default;
};

// The key of an object from its metadata.namespace and metadata.name.
std::string ObjectKey(const nlohmann::json& object);
std::string ObjectKey(const ObjectName& name);
// Splits a key at its first '/'; a key without one is a cluster-scoped name.
ObjectName SplitObjectKey(const std::string& key);

}  // namespace pgferry::runtime
