#include "tests/fake-apiserver/builtin_schemas.h"

#include <map>
#include <mutex>

namespace pgferry::fakeapi {
namespace {

const char* kObjectMeta = R"({
 "type":"object",
 "description":"ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
 "properties":{
  "name":{"type":"string","description":"Name must be unique within a namespace."},
  "generateName":{"type":"string","description":"GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."},
  "namespace":{"type":"string","description":"Namespace defines the space within which each name must be unique."},
  "selfLink":{"type":"string","description":"Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."},
  "uid":{"type":"string","description":"UID is the unique in time and space value for this object."},
  "resourceVersion":{"type":"string","description":"An opaque value that represents the internal version of this object."},
  "generation":{"type":"integer","format":"int64","description":"A sequence number representing a specific generation of the desired state."},
  "creationTimestamp":{"type":"string","format":"date-time","nullable":true,"description":"CreationTimestamp is a timestamp representing the server time when this object was created."},
  "deletionTimestamp":{"type":"string","format":"date-time","nullable":true,"description":"DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."},
  "deletionGracePeriodSeconds":{"type":"integer","format":"int64","description":"Number of seconds allowed for this object to gracefully terminate before it will be removed from the system."},
  "labels":{"type":"object","additionalProperties":{"type":"string"},"description":"Map of string keys and values that can be used to organize and categorize (scope and select) objects."},
  "annotations":{"type":"object","additionalProperties":{"type":"string"},"description":"Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."},
  "ownerReferences":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["uid"],
    "description":"List of objects depended by this object.",
    "items":{"type":"object","required":["apiVersion","kind","name","uid"],"properties":{
      "apiVersion":{"type":"string","description":"API version of the referent."},
      "kind":{"type":"string","description":"Kind of the referent."},
      "name":{"type":"string","description":"Name of the referent."},
      "uid":{"type":"string","description":"UID of the referent."},
      "controller":{"type":"boolean","description":"If true, this reference points to the managing controller."},
      "blockOwnerDeletion":{"type":"boolean","description":"If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed."}}}},
  "finalizers":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"},
    "description":"Must be empty before the object is deleted from the registry."},
  "managedFields":{"type":"array","description":"ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.",
    "items":{"type":"object","properties":{
      "apiVersion":{"type":"string"},"fieldsType":{"type":"string"},
      "fieldsV1":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "manager":{"type":"string"},"operation":{"type":"string"},"subresource":{"type":"string"},
      "time":{"type":"string","format":"date-time","nullable":true}}}}
 }})";

const char* kListMeta = R"({"type":"object","properties":{
  "continue":{"type":"string"},"remainingItemCount":{"type":"integer","format":"int64"},
  "resourceVersion":{"type":"string"},"selfLink":{"type":"string"}}})";

const char* kTypeMeta = R"({
  "apiVersion":{"type":"string","description":"APIVersion defines the versioned schema of this representation of an object."},
  "kind":{"type":"string","description":"Kind is a string value representing the REST resource this object represents."}})";

const char* kObjectReference = R"({"type":"object","properties":{
  "apiVersion":{"type":"string"},"fieldPath":{"type":"string"},"kind":{"type":"string"},
  "name":{"type":"string"},"namespace":{"type":"string"},"resourceVersion":{"type":"string"},
  "uid":{"type":"string"}}})";

const char* kBodies = R"({
"Namespace":{"description":"Namespace provides a scope for Names.","properties":{
  "spec":{"type":"object","properties":{"finalizers":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"atomic"}}},
  "status":{"type":"object","properties":{"phase":{"type":"string","enum":["Active","Terminating"]},
    "conditions":{"type":"array","items":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}},
"Secret":{"description":"Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.","properties":{
  "data":{"type":"object","additionalProperties":{"type":"string","format":"byte"},"description":"Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string."},
  "stringData":{"type":"object","additionalProperties":{"type":"string"},"description":"stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience."},
  "type":{"type":"string","description":"Used to facilitate programmatic handling of secret data."},
  "immutable":{"type":"boolean","description":"Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified)."}}},
"ConfigMap":{"description":"ConfigMap holds configuration data for pods to consume.","properties":{
  "data":{"type":"object","additionalProperties":{"type":"string"}},
  "binaryData":{"type":"object","additionalProperties":{"type":"string","format":"byte"}},
  "immutable":{"type":"boolean"}}},
"Event":{"description":"Event is a report of an event somewhere in the cluster.","properties":{
  "action":{"type":"string"},"count":{"type":"integer","format":"int32"},
  "eventTime":{"type":"string","nullable":true},"firstTimestamp":{"type":"string","nullable":true},
  "involvedObject":"$ObjectReference","lastTimestamp":{"type":"string","nullable":true},
  "message":{"type":"string"},"reason":{"type":"string"},"related":"$ObjectReference",
  "reportingComponent":{"type":"string"},"reportingInstance":{"type":"string"},
  "series":{"type":"object","properties":{"count":{"type":"integer","format":"int32"},"lastObservedTime":{"type":"string","nullable":true}}},
  "source":{"type":"object","properties":{"component":{"type":"string"},"host":{"type":"string"}}},
  "type":{"type":"string"}}},
"events.k8s.io/Event":{"description":"Event is a report of an event somewhere in the cluster.","properties":{
  "action":{"type":"string"},"deprecatedCount":{"type":"integer","format":"int32"},
  "deprecatedFirstTimestamp":{"type":"string","nullable":true},"deprecatedLastTimestamp":{"type":"string","nullable":true},
  "deprecatedSource":{"type":"object","properties":{"component":{"type":"string"},"host":{"type":"string"}}},
  "eventTime":{"type":"string","nullable":true},"note":{"type":"string"},"reason":{"type":"string"},
  "regarding":"$ObjectReference","related":"$ObjectReference","reportingController":{"type":"string"},
  "reportingInstance":{"type":"string"},
  "series":{"type":"object","properties":{"count":{"type":"integer","format":"int32"},"lastObservedTime":{"type":"string","nullable":true}}},
  "type":{"type":"string"}}},
"Lease":{"description":"Lease defines a lease concept.","properties":{
  "spec":{"type":"object","properties":{
    "acquireTime":{"type":"string","nullable":true},"holderIdentity":{"type":"string"},
    "leaseDurationSeconds":{"type":"integer","format":"int32"},"leaseTransitions":{"type":"integer","format":"int32"},
    "preferredHolder":{"type":"string"},"renewTime":{"type":"string","nullable":true},"strategy":{"type":"string"}}}}},
"CustomResourceDefinition":{"description":"CustomResourceDefinition represents a resource that should be exposed on the API server.","required":["spec"],"properties":{
  "spec":{"type":"object","required":["group","names","scope","versions"],"properties":{
    "group":{"type":"string"},
    "names":{"type":"object","required":["plural","kind"],"properties":{
      "categories":{"type":"array","items":{"type":"string"}},"kind":{"type":"string"},"listKind":{"type":"string"},
      "plural":{"type":"string"},"shortNames":{"type":"array","items":{"type":"string"}},"singular":{"type":"string"}}},
    "preserveUnknownFields":{"type":"boolean"},
    "scope":{"type":"string"},
    "conversion":{"type":"object","properties":{"strategy":{"type":"string"},"webhook":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
    "versions":{"type":"array","items":{"type":"object","required":["name","served","storage"],"properties":{
      "additionalPrinterColumns":{"type":"array","items":{"type":"object","required":["name","type","jsonPath"],"properties":{
        "description":{"type":"string"},"format":{"type":"string"},"jsonPath":{"type":"string"},"name":{"type":"string"},
        "priority":{"type":"integer","format":"int32"},"type":{"type":"string"}}}},
      "deprecated":{"type":"boolean"},"deprecationWarning":{"type":"string"},"name":{"type":"string"},
      "schema":{"type":"object","properties":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
      "selectableFields":{"type":"array","items":{"type":"object","properties":{"jsonPath":{"type":"string"}}}},
      "served":{"type":"boolean"},"storage":{"type":"boolean"},
      "subresources":{"type":"object","properties":{
        "scale":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
        "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}}}},
  "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}
})";

Json Resolve(const Json& v, const Json& object_reference) {
  if (v.is_string() && v.get<std::string>() == "$ObjectReference") return object_reference;
  if (v.is_object()) {
    Json out = Json::object();
    for (const auto& [k, c] : v.items()) out[k] = Resolve(c, object_reference);
    return out;
  }
  return v;
}

}  // namespace

const Json& ObjectMetaSchema() {
  static const Json s = Json::parse(kObjectMeta);
  return s;
}

const Json& ListMetaSchema() {
  static const Json s = Json::parse(kListMeta);
  return s;
}

Json RootSchemaWithMeta(const Json& schema) {
  Json root = schema.is_object() ? schema : Json{{"type", "object"}};
  if (!root.contains("type")) root["type"] = "object";
  Json& props = root["properties"];
  if (!props.is_object()) props = Json::object();
  static const Json type_meta = Json::parse(kTypeMeta);
  for (const auto& [k, v] : type_meta.items()) {
    if (!props.contains(k)) props[k] = v;
  }
  props["metadata"] = ObjectMetaSchema();
  return root;
}

const Json& BuiltinSchema(const std::string& name) {
  static std::once_flag once;
  static std::map<std::string, Json>* schemas = nullptr;
  std::call_once(once, [] {
    schemas = new std::map<std::string, Json>();
    Json bodies = Json::parse(kBodies);
    Json ref = Json::parse(kObjectReference);
    for (const auto& [k, body] : bodies.items()) {
      Json s = Resolve(body, ref);
      s["type"] = "object";
      (*schemas)[k] = RootSchemaWithMeta(s);
    }
  });
  static const Json kNull;
  auto it = schemas->find(name);
  return it == schemas->end() ? kNull : it->second;
}

}  // namespace pgferry::fakeapi
