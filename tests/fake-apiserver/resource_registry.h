// The resource types currently served: the built-ins plus one per served version of every stored
// CRD. Rebuilt for a CRD whenever it is written, so discovery, OpenAPI and routing follow at once.
//
// Not thread-safe: ApiServer guards it with its state mutex.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/fake-apiserver/resource_type.h"

namespace pgferry::fakeapi {

class ResourceRegistry {
 public:
  ResourceRegistry();

  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  // The type objects of `storage` are kept in (its storage version).
  const ResourceType* StorageType(const std::string& storage) const;

  // Replaces the types served from CRD `crd_name` (empty `types` removes them).
  void SetCrdTypes(const std::string& crd_name, std::vector<ResourceType> types);

  // All types grouped for discovery: group -> versions (preferred first) -> types.
  struct GroupVersion {
    std::string version;
    std::vector<const ResourceType*> types;
  };
  struct Group {
    std::string name;
    std::vector<GroupVersion> versions;
  };
  std::vector<Group> Groups() const;

 private:
  std::vector<ResourceType> builtins_;
  std::map<std::string, std::vector<ResourceType>> crd_types_;
};

// The built-in types (namespaces, secrets, configmaps, events, leases, CRDs).
std::vector<ResourceType> BuiltinTypes();

}  // namespace pgferry::fakeapi
