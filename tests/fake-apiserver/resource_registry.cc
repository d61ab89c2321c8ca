#include "tests/fake-apiserver/resource_registry.h"

#include <algorithm>

namespace pgferry::fakeapi {

ResourceRegistry::ResourceRegistry() : builtins_(BuiltinTypes()) {}

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& plural) const {
  for (const auto& t : builtins_) {
    if (t.group == group && t.version == version && t.plural == plural) return &t;
  }
  for (const auto& [name, types] : crd_types_) {
    for (const auto& t : types) {
      if (t.group == group && t.version == version && t.plural == plural) return &t;
    }
  }
  return nullptr;
}

const ResourceType* ResourceRegistry::StorageType(const std::string& storage) const {
  for (const auto& t : builtins_) {
    if (t.storage == storage && t.storage_version) return &t;
  }
  for (const auto& [name, types] : crd_types_) {
    for (const auto& t : types) {
      if (t.storage == storage && t.storage_version) return &t;
    }
  }
  return nullptr;
}

void ResourceRegistry::SetCrdTypes(const std::string& crd_name, std::vector<ResourceType> types) {
  if (types.empty()) {
    crd_types_.erase(crd_name);
  } else {
    crd_types_[crd_name] = std::move(types);
  }
}

std::vector<ResourceRegistry::Group> ResourceRegistry::Groups() const {
  std::vector<Group> groups;
  auto add = [&](const ResourceType& t) {
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.name == t.group; });
    if (g == groups.end()) {
      groups.push_back(Group{t.group, {}});
      g = groups.end() - 1;
    }
    auto v = std::find_if(g->versions.begin(), g->versions.end(),
                          [&](const GroupVersion& x) { return x.version == t.version; });
    if (v == g->versions.end()) {
      // The storage version is the preferred one and goes first.
      GroupVersion gv{t.version, {}};
      if (t.storage_version) {
        g->versions.insert(g->versions.begin(), gv);
        v = g->versions.begin();
      } else {
        g->versions.push_back(gv);
        v = g->versions.end() - 1;
      }
    }
    v->types.push_back(&t);
  };
  for (const auto& t : builtins_) add(t);
  for (const auto& [name, types] : crd_types_) {
    for (const auto& t : types) add(t);
  }
  return groups;
}

}  // namespace pgferry::fakeapi
