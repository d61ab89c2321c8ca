#include "tests/fake-apiserver/crd.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "tests/fake-apiserver/builtin_schemas.h"
#include "tests/fake-apiserver/cel_rules.h"
#include "tests/fake-apiserver/jsonpath.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

const std::set<std::string>& SchemaKeywords() {
  static const std::set<std::string> k = {
      "id", "$schema", "$ref", "description", "type", "format", "title", "default", "maximum",
      "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
      "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
      "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties",
      "additionalProperties", "patternProperties", "dependencies", "additionalItems",
      "definitions", "externalDocs", "example", "nullable", "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys",
      "x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-validations"};
  return k;
}

const std::set<std::string>& ForbiddenInStructural() {
  static const std::set<std::string> k = {"$ref", "uniqueItems", "additionalItems",
                                          "patternProperties", "dependencies", "definitions", "id",
                                          "$schema"};
  return k;
}

// Walks a JSONSchemaProps node: unknown keywords, structural rules, defaults.
void CheckSchemaNode(const Json& s, const std::string& path, const std::string& typed_path,
                     bool root, FieldErrors* errors, std::vector<std::string>* unknown) {
  if (!s.is_object()) {
    errors->push_back(InvalidError(path, s, "must be an object"));
    return;
  }
  for (auto it = s.begin(); it != s.end(); ++it) {
    if (!SchemaKeywords().count(it.key())) {
      unknown->push_back(typed_path + "." + it.key());
    } else if (ForbiddenInStructural().count(it.key()) &&
               !(it.key() == "uniqueItems" && it.value() == false)) {
      errors->push_back(ForbiddenError(path + "." + it.key(), "must not be used"));
    }
  }
  std::string type = StringField(s, "type");
  bool int_or_string = Field(s, "x-kubernetes-int-or-string") == true;
  bool preserve = Field(s, "x-kubernetes-preserve-unknown-fields") == true;
  if (type.empty() && !int_or_string && !preserve) {
    errors->push_back(
        RequiredError(path + ".type", "must not be empty for specified object fields"));
  }
  static const std::vector<std::string> kTypes = {"array", "boolean", "integer", "number",
                                                  "object", "string"};
  if (!type.empty() && std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    errors->push_back(NotSupportedError(path + ".type", type, kTypes));
  }
  if (root && type != "object") {
    errors->push_back(InvalidError(path + ".type", type, "must be object at the root"));
  }
  if (Field(s, "properties").is_object()) {
    if (type != "object" && !type.empty()) {
      errors->push_back(ForbiddenError(path + ".properties", "must be empty unless type is object"));
    }
    if (Field(s, "additionalProperties").is_object()) {
      errors->push_back(ForbiddenError(path + ".additionalProperties",
                                       "additionalProperties and properties are mutual exclusive"));
    }
    for (const auto& [k, v] : s["properties"].items()) {
      if (root && k == "metadata") {
        const Json& mp = Field(v, "properties");
        if (mp.is_object()) {
          for (const auto& [mk, mv] : mp.items()) {
            if (mk != "name" && mk != "generateName") {
              errors->push_back(ForbiddenError(path + ".properties[metadata].properties[" + mk + "]",
                                               "must not be specified"));
            }
          }
        }
      }
      CheckSchemaNode(v, path + ".properties[" + k + "]", typed_path + ".properties." + k, false,
                      errors, unknown);
    }
  }
  if (Field(s, "additionalProperties").is_object()) {
    CheckSchemaNode(s["additionalProperties"], path + ".additionalProperties",
                    typed_path + ".additionalProperties", false, errors, unknown);
  }
  if (type == "array" && !Field(s, "items").is_object()) {
    errors->push_back(RequiredError(path + ".items", "must be specified"));
  }
  if (Field(s, "items").is_object()) {
    CheckSchemaNode(s["items"], path + ".items", typed_path + ".items", false, errors, unknown);
  }
  for (const char* comb : {"allOf", "anyOf", "oneOf"}) {
    if (Field(s, comb).is_array()) {
      for (size_t i = 0; i < s[comb].size(); ++i) {
        std::vector<std::string> ignored;
        FieldErrors nested;
        const Json& sub = s[comb][i];
        for (auto it = sub.begin(); it != sub.end(); ++it) {
          if (!SchemaKeywords().count(it.key())) {
            unknown->push_back(typed_path + "." + comb + "[" + std::to_string(i) + "]." + it.key());
          }
        }
        if (sub.contains("default") || sub.contains("description") || sub.contains("type")) {
          errors->push_back(ForbiddenError(path + "." + comb + "[" + std::to_string(i) + "]",
                                           "must not specify type, default or description"));
        }
      }
    }
  }
  std::string list_type = StringField(s, "x-kubernetes-list-type");
  if (!list_type.empty()) {
    static const std::vector<std::string> kListTypes = {"atomic", "map", "set"};
    if (std::find(kListTypes.begin(), kListTypes.end(), list_type) == kListTypes.end()) {
      errors->push_back(NotSupportedError(path + ".x-kubernetes-list-type", list_type, kListTypes));
    }
    if (type != "array") {
      errors->push_back(InvalidError(path + ".x-kubernetes-list-type", list_type,
                                     "must only be used on type=array"));
    }
    if (list_type == "map") {
      const Json& keys = Field(s, "x-kubernetes-list-map-keys");
      if (!keys.is_array() || keys.empty()) {
        errors->push_back(RequiredError(path + ".x-kubernetes-list-map-keys",
                                        "must not be empty if x-kubernetes-list-type is map"));
      } else {
        const Json& items = Field(s, "items");
        for (const auto& k : keys) {
          std::string key = k.get<std::string>();
          const Json& prop = Field(Field(items, "properties"), key.c_str());
          bool required = false;
          for (const auto& r : Field(items, "required")) required = required || r == key;
          if (prop.is_null()) {
            errors->push_back(InvalidError(path + ".x-kubernetes-list-map-keys", keys,
                                           "entries must all be names of item properties"));
          } else if (!required && !prop.contains("default")) {
            errors->push_back(RequiredError(path + ".items.required",
                                            "all map keys must be required or have a default"));
          }
        }
      }
    }
  }
  if (s.contains("default")) {
    Json value = s["default"];
    Json node = s;
    node.erase("default");
    std::vector<std::string> pruned;
    Json pruned_value = value;
    PruneUnknownFields(&pruned_value, node, false, &pruned);
    ApplyDefaults(&pruned_value, node);
    FieldErrors derr;
    ValidateAgainstSchema(pruned_value, nullptr, node, "", &derr);
    for (const auto& e : derr) {
      FieldError copy = e;
      copy.field = path + ".default" + (e.field.empty() ? "" : "." + e.field);
      errors->push_back(copy);
    }
    if (!pruned.empty()) {
      errors->push_back(InvalidError(path + ".default", value,
                                     "must not have unknown fields (" + pruned[0] + ")"));
    }
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

}  // namespace

void DefaultCrd(Json* crd) {
  Json& spec = EnsureObject(*crd, "spec");
  Json& names = EnsureObject(spec, "names");
  std::string kind = StringField(names, "kind");
  if (StringField(names, "singular").empty() && !kind.empty()) names["singular"] = Lower(kind);
  if (StringField(names, "listKind").empty() && !kind.empty()) names["listKind"] = kind + "List";
  if (!Field(spec, "conversion").is_object()) spec["conversion"] = {{"strategy", "None"}};
}

void ValidateCrd(const Json& crd, FieldErrors* errors, std::vector<std::string>* unknown) {
  const Json& spec = Field(crd, "spec");
  const Json& names = Field(spec, "names");
  std::string group = StringField(spec, "group");
  std::string plural = StringField(names, "plural");
  std::string name = StringField(Field(crd, "metadata"), "name");
  if (group.empty()) {
    errors->push_back(RequiredError("spec.group"));
  } else if (group.find('.') == std::string::npos || !Dns1123SubdomainError(group).empty()) {
    errors->push_back(InvalidError("spec.group", group, "should be a domain with at least one dot"));
  }
  if (plural.empty()) {
    errors->push_back(RequiredError("spec.names.plural"));
  } else if (std::string e = Dns1123LabelError(plural); !e.empty()) {
    errors->push_back(InvalidError("spec.names.plural", plural, e));
  }
  if (name != plural + "." + group) {
    errors->push_back(
        InvalidError("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
  }
  if (StringField(names, "kind").empty()) errors->push_back(RequiredError("spec.names.kind"));
  std::string singular = StringField(names, "singular");
  if (std::string e = Dns1123LabelError(singular); !singular.empty() && !e.empty()) {
    errors->push_back(InvalidError("spec.names.singular", singular, e));
  }
  const Json& shorts = Field(names, "shortNames");
  if (shorts.is_array()) {
    for (size_t i = 0; i < shorts.size(); ++i) {
      std::string sn = shorts[i].is_string() ? shorts[i].get<std::string>() : "";
      if (std::string e = Dns1123LabelError(sn); !e.empty()) {
        errors->push_back(
            InvalidError("spec.names.shortNames[" + std::to_string(i) + "]", sn, e));
      }
    }
  }
  std::string scope = StringField(spec, "scope");
  if (scope.empty()) {
    errors->push_back(RequiredError("spec.scope"));
  } else if (scope != "Namespaced" && scope != "Cluster") {
    errors->push_back(NotSupportedError("spec.scope", scope, {"Cluster", "Namespaced"}));
  }
  const Json& versions = Field(spec, "versions");
  if (!versions.is_array() || versions.empty()) {
    errors->push_back(InvalidError("spec.versions", Json::array(), "must have exactly one version marked as storage version"));
    return;
  }
  int storage = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < versions.size(); ++i) {
    const Json& v = versions[i];
    std::string vp = "spec.versions[" + std::to_string(i) + "]";
    std::string vname = StringField(v, "name");
    if (std::string e = Dns1123LabelError(vname); !e.empty()) {
      errors->push_back(InvalidError(vp + ".name", vname, e));
    }
    if (!seen.insert(vname).second) {
      errors->push_back(FieldError{FieldErrorType::kDuplicate, vp + ".name", Json(vname), ""});
    }
    if (Field(v, "storage") == true) ++storage;
    const Json& schema = Field(Field(v, "schema"), "openAPIV3Schema");
    if (!schema.is_object()) {
      errors->push_back(RequiredError(vp + ".schema.openAPIV3Schema", "schemas are required"));
    } else {
      std::string sp = vp + ".schema.openAPIV3Schema";
      CheckSchemaNode(schema, sp, sp, true, errors, unknown);
      CompileSchemaRules(schema, sp, errors);
    }
    const Json& cols = Field(v, "additionalPrinterColumns");
    if (cols.is_array()) {
      for (size_t c = 0; c < cols.size(); ++c) {
        std::string cp = vp + ".additionalPrinterColumns[" + std::to_string(c) + "]";
        std::string type = StringField(cols[c], "type");
        static const std::vector<std::string> kColTypes = {"boolean", "date", "integer", "number",
                                                           "string"};
        if (StringField(cols[c], "name").empty()) errors->push_back(RequiredError(cp + ".name"));
        if (std::find(kColTypes.begin(), kColTypes.end(), type) == kColTypes.end()) {
          errors->push_back(NotSupportedError(cp + ".type", type, kColTypes));
        }
        std::string jp = StringField(cols[c], "jsonPath");
        std::string err;
        if (jp.empty()) {
          errors->push_back(RequiredError(cp + ".jsonPath"));
        } else if (!ValidJsonPath(jp, &err)) {
          errors->push_back(InvalidError(cp + ".jsonPath", jp, "must be a simple json path: " + err));
        }
        const Json& prio = Field(cols[c], "priority");
        if (prio.is_number_integer() && prio.get<int64_t>() < 0) {
          errors->push_back(InvalidError(cp + ".priority", prio, "must be a non-negative integer"));
        }
      }
    }
  }
  if (storage != 1) {
    errors->push_back(InvalidError("spec.versions", versions.size(),
                                   "must have exactly one version marked as storage version"));
  }
}

void EstablishCrd(Json* crd, const Json* old, const std::string& now) {
  Json& status = EnsureObject(*crd, "status");
  const Json& spec = (*crd)["spec"];
  status["acceptedNames"] = spec["names"];
  Json stored = old ? Field(Field(*old, "status"), "storedVersions") : Json();
  if (!stored.is_array()) stored = Json::array();
  for (const auto& v : spec["versions"]) {
    if (Field(v, "storage") == true && std::find(stored.begin(), stored.end(), v["name"]) == stored.end()) {
      stored.push_back(v["name"]);
    }
  }
  status["storedVersions"] = stored;
  if (!Field(status, "conditions").is_array()) {
    status["conditions"] = Json::array(
        {{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
          {"message", "no conflicts found"}, {"lastTransitionTime", now}},
         {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
          {"message", "the initial names have been accepted"}, {"lastTransitionTime", now}}});
  }
}

std::vector<ResourceType> TypesFromCrd(const Json& crd) {
  std::vector<ResourceType> out;
  const Json& spec = Field(crd, "spec");
  const Json& names = Field(spec, "names");
  for (const auto& v : Field(spec, "versions")) {
    if (Field(v, "served") != true) continue;
    ResourceType t;
    t.group = StringField(spec, "group");
    t.version = StringField(v, "name");
    t.kind = StringField(names, "kind");
    t.list_kind = StringField(names, "listKind");
    t.plural = StringField(names, "plural");
    t.singular = StringField(names, "singular");
    for (const char* key : {"shortNames", "categories"}) {
      const Json& list = Field(names, key);
      if (!list.is_array()) continue;
      for (const auto& s : list) {
        (std::string(key) == "shortNames" ? t.short_names : t.categories).push_back(s.get<std::string>());
      }
    }
    t.namespaced = StringField(spec, "scope") == "Namespaced";
    t.status_subresource = Field(Field(v, "subresources"), "status").is_object();
    t.has_generation = true;
    t.unconditional_update = false;
    t.create_on_update = false;
    t.strategic_merge = false;
    t.custom = true;
    t.storage_version = Field(v, "storage") == true;
    t.crd_name = StringField(Field(crd, "metadata"), "name");
    t.storage = t.crd_name;
    t.schema = RootSchemaWithMeta(Field(Field(v, "schema"), "openAPIV3Schema"));
    const Json& cols = Field(v, "additionalPrinterColumns");
    if (cols.is_array()) {
      for (const auto& c : cols) {
        PrinterColumn pc;
        pc.name = StringField(c, "name");
        pc.type = StringField(c, "type");
        pc.format = StringField(c, "format");
        pc.description = StringField(c, "description");
        pc.json_path = StringField(c, "jsonPath");
        pc.priority = Field(c, "priority").is_number() ? c["priority"].get<int>() : 0;
        t.columns.push_back(pc);
      }
    } else {
      PrinterColumn age;
      age.name = "Age";
      age.type = "date";
      age.json_path = ".metadata.creationTimestamp";
      age.description =
          "CreationTimestamp is a timestamp representing the server time when this object was "
          "created.";
      t.columns.push_back(age);
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace pgferry::fakeapi
