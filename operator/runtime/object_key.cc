#include "operator/runtime/object_key.h"

namespace pgferry::runtime {
namespace {

std::string MetadataString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

std::string ObjectKey(const nlohmann::json& object) {
  return ObjectKey(ObjectName{MetadataString(object, "namespace"), MetadataString(object, "name")});
}

std::string ObjectKey(const ObjectName& name) {
  return name.ns.empty() ? name.name : name.ns + "/" + name.name;
}

ObjectName SplitObjectKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace pgferry::runtime
