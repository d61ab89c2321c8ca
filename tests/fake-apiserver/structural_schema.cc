#include "tests/fake-apiserver/structural_schema.h"

#include <cmath>
#include <functional>
#include <regex>
#include <set>

#include "tests/fake-apiserver/object_meta.h"

namespace pgferry::fakeapi {
namespace {

const Json kNullJson;

bool Flag(const Json& schema, const char* key) {
  const Json& v = Field(schema, key);
  return v.is_boolean() && v.get<bool>();
}

std::string TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool TypeMatches(const std::string& want, const Json& v) {
  if (want.empty()) return true;
  if (want == "integer") {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
      double d = v.get<double>();
      return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
  }
  if (want == "number") return v.is_number();
  if (want == "string") return v.is_string();
  if (want == "boolean") return v.is_boolean();
  if (want == "array") return v.is_array();
  if (want == "object") return v.is_object();
  return true;
}

size_t RuneCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool ValidFormat(const std::string& format, const std::string& s) {
  if (format == "date-time" || format == "datetime") return ParseRfc3339(s, nullptr);
  if (format == "date") {
    static const std::regex re("^\\d{4}-\\d{2}-\\d{2}$");
    return std::regex_match(s, re);
  }
  if (format == "byte") {
    static const std::regex re("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$");
    return std::regex_match(s, re);
  }
  if (format == "uuid") {
    static const std::regex re(
        "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$");
    return std::regex_match(s, re);
  }
  if (format == "ipv4") {
    static const std::regex re(
        "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");
    return std::regex_match(s, re);
  }
  if (format == "hostname") {
    return !s.empty() && s.size() <= 255 && Dns1123SubdomainError(s).empty();
  }
  return true;  // unknown formats are ignored, like the real validator
}

std::string NumberText(const Json& bound) { return GoValueString(bound); }

void Add(FieldErrors* errors, FieldError e) { errors->push_back(std::move(e)); }

std::string InBody(const std::string& path) { return path + " in body"; }

}  // namespace

std::string JoinPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const Json& PropertySchema(const Json& schema, const std::string& key) {
  const Json& props = Field(schema, "properties");
  if (props.is_object() && props.contains(key)) return props[key];
  const Json& extra = Field(schema, "additionalProperties");
  if (extra.is_object()) return extra;
  return kNullJson;
}

const Json& ItemsSchema(const Json& schema) {
  const Json& items = Field(schema, "items");
  return items.is_object() ? items : kNullJson;
}

void PruneUnknownFields(Json* obj, const Json& schema, bool is_root,
                        std::vector<std::string>* unknown) {
  std::function<void(Json*, const Json&, bool, const std::string&)> prune =
      [&](Json* v, const Json& s, bool root, const std::string& path) {
        if (!s.is_object()) return;
        bool preserve = Flag(s, "x-kubernetes-preserve-unknown-fields");
        bool embedded = root || Flag(s, "x-kubernetes-embedded-resource");
        if (v->is_object()) {
          const Json& props = Field(s, "properties");
          const Json& extra = Field(s, "additionalProperties");
          for (auto it = v->begin(); it != v->end();) {
            const std::string key = it.key();
            if (embedded && (key == "apiVersion" || key == "kind" || key == "metadata")) {
              ++it;
              continue;
            }
            std::string child = JoinPath(path, key);
            if (props.is_object() && props.contains(key)) {
              prune(&it.value(), props[key], false, child);
              ++it;
            } else if (extra.is_object()) {
              prune(&it.value(), extra, false, child);
              ++it;
            } else if (preserve || (extra.is_boolean() && extra.get<bool>())) {
              ++it;
            } else {
              if (unknown) unknown->push_back(child);
              it = v->erase(it);
            }
          }
        } else if (v->is_array()) {
          const Json& items = ItemsSchema(s);
          for (size_t i = 0; i < v->size(); ++i) {
            prune(&(*v)[i], items, false, path + "[" + std::to_string(i) + "]");
          }
        }
      };
  prune(obj, schema, is_root, "");
}

void ApplyDefaults(Json* obj, const Json& schema) {
  if (!schema.is_object()) return;
  if (obj->is_object()) {
    const Json& props = Field(schema, "properties");
    if (props.is_object()) {
      for (const auto& [key, prop] : props.items()) {
        bool present = obj->contains(key);
        bool is_null = present && (*obj)[key].is_null();
        bool nullable = Flag(prop, "nullable");
        if (prop.contains("default") && (!present || (is_null && !nullable))) {
          (*obj)[key] = prop["default"];
        } else if (is_null && !nullable) {
          obj->erase(key);
        }
      }
    }
    for (auto it = obj->begin(); it != obj->end(); ++it) {
      const Json& child = PropertySchema(schema, it.key());
      if (child.is_object()) ApplyDefaults(&it.value(), child);
    }
  } else if (obj->is_array()) {
    const Json& items = ItemsSchema(schema);
    for (auto& e : *obj) ApplyDefaults(&e, items);
  }
}

void ValidateAgainstSchema(const Json& v, const Json* old, const Json& s, const std::string& path,
                           FieldErrors* errors) {
  if (!s.is_object()) return;
  if (old && *old == v) return;  // ratcheting: unchanged values are not re-validated
  bool int_or_string = Flag(s, "x-kubernetes-int-or-string");
  std::string type = StringField(s, "type");

  if (v.is_null()) {
    if (!Flag(s, "nullable") && !type.empty()) {
      Add(errors, FieldError{FieldErrorType::kTypeInvalid, path, Json("null"),
                             InBody(path) + " must be of type " + type + ": \"null\""});
    }
    return;
  }
  if (int_or_string) {
    if (!v.is_string() && !TypeMatches("integer", v)) {
      Add(errors, FieldError{FieldErrorType::kTypeInvalid, path, Json(TypeName(v)),
                             InBody(path) + " must be of type integer,string: " +
                                 GoQuote(TypeName(v))});
      return;
    }
  } else if (!TypeMatches(type, v)) {
    Add(errors, FieldError{FieldErrorType::kTypeInvalid, path, Json(TypeName(v)),
                           InBody(path) + " must be of type " + type + ": " +
                               GoQuote(TypeName(v))});
    return;
  }

  const Json& enumv = Field(s, "enum");
  if (enumv.is_array() && !enumv.empty()) {
    bool found = false;
    for (const auto& e : enumv) found = found || e == v;
    if (!found) {
      std::vector<std::string> allowed;
      for (const auto& e : enumv) allowed.push_back(e.is_string() ? e.get<std::string>() : e.dump());
      Add(errors, NotSupportedError(path, v, allowed));
    }
  }

  if (v.is_string()) {
    std::string str = v.get<std::string>();
    if (s.contains("maxLength") && RuneCount(str) > s["maxLength"].get<size_t>()) {
      size_t max = s["maxLength"].get<size_t>();
      Add(errors, FieldError{FieldErrorType::kTooLong, path, v,
                             "may not be more than " + std::to_string(max) +
                                 (max == 1 ? " byte" : " bytes")});
    }
    if (s.contains("minLength") && RuneCount(str) < s["minLength"].get<size_t>()) {
      Add(errors, InvalidError(path, v,
                               InBody(path) + " should be at least " +
                                   std::to_string(s["minLength"].get<size_t>()) + " chars long"));
    }
    if (s.contains("pattern")) {
      std::string pattern = s["pattern"].get<std::string>();
      try {
        if (!std::regex_search(str, std::regex(pattern, std::regex::ECMAScript))) {
          Add(errors, InvalidError(path, v, InBody(path) + " should match '" + pattern + "'"));
        }
      } catch (const std::regex_error&) {
      }
    }
    std::string format = StringField(s, "format");
    if (!format.empty() && !int_or_string && !ValidFormat(format, str)) {
      Add(errors, FieldError{FieldErrorType::kTypeInvalid, path, v,
                             InBody(path) + " must be of type " + format + ": " + GoQuote(str)});
    }
  }

  if (v.is_number()) {
    double d = v.get<double>();
    if (s.contains("maximum")) {
      double max = s["maximum"].get<double>();
      bool exclusive = Flag(s, "exclusiveMaximum");
      if (exclusive ? d >= max : d > max) {
        Add(errors, InvalidError(path, v,
                                 InBody(path) + (exclusive ? " should be less than "
                                                           : " should be less than or equal to ") +
                                     NumberText(s["maximum"])));
      }
    }
    if (s.contains("minimum")) {
      double min = s["minimum"].get<double>();
      bool exclusive = Flag(s, "exclusiveMinimum");
      if (exclusive ? d <= min : d < min) {
        Add(errors, InvalidError(path, v,
                                 InBody(path) + (exclusive
                                                     ? " should be greater than "
                                                     : " should be greater than or equal to ") +
                                     NumberText(s["minimum"])));
      }
    }
    if (s.contains("multipleOf")) {
      double m = s["multipleOf"].get<double>();
      if (m > 0 && std::fmod(d, m) != 0) {
        Add(errors, InvalidError(path, v,
                                 InBody(path) + " should be a multiple of " +
                                     NumberText(s["multipleOf"])));
      }
    }
  }

  if (v.is_array()) {
    const Json& items = ItemsSchema(s);
    const Json* old_arr = (old && old->is_array()) ? old : nullptr;
    for (size_t i = 0; i < v.size(); ++i) {
      // Ratchet list items by identity: same index in an atomic list, same key in a map list.
      const Json* old_item = nullptr;
      if (old_arr && i < old_arr->size()) old_item = &(*old_arr)[i];
      ValidateAgainstSchema(v[i], old_item, items, path + "[" + std::to_string(i) + "]", errors);
    }
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) {
      Add(errors, FieldError{FieldErrorType::kTooMany, path, Json(v.size()),
                             "must have at most " + std::to_string(s["maxItems"].get<size_t>()) +
                                 " items"});
    }
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) {
      Add(errors, InvalidError(path, Json(v.size()),
                               InBody(path) + " should have at least " +
                                   std::to_string(s["minItems"].get<size_t>()) + " items"));
    }
    std::string list_type = StringField(s, "x-kubernetes-list-type");
    if (Flag(s, "uniqueItems") || list_type == "set") {
      for (size_t i = 0; i < v.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (v[i] == v[j]) {
            Add(errors, FieldError{FieldErrorType::kDuplicate,
                                   path + "[" + std::to_string(i) + "]", v[i], ""});
            break;
          }
        }
      }
    }
    if (list_type == "map" && Field(s, "x-kubernetes-list-map-keys").is_array()) {
      const Json& keys = s["x-kubernetes-list-map-keys"];
      std::set<std::string> seen;
      for (size_t i = 0; i < v.size(); ++i) {
        Json key = Json::object();
        for (const auto& k : keys) {
          std::string name = k.get<std::string>();
          if (v[i].is_object() && v[i].contains(name)) key[name] = v[i][name];
        }
        if (!seen.insert(key.dump()).second) {
          Add(errors, FieldError{FieldErrorType::kDuplicate, path + "[" + std::to_string(i) + "]",
                                 key, ""});
        }
      }
    }
  }

  if (v.is_object()) {
    const Json& required = Field(s, "required");
    if (required.is_array()) {
      for (const auto& r : required) {
        std::string key = r.get<std::string>();
        if (!v.contains(key)) Add(errors, RequiredError(JoinPath(path, key)));
      }
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (path.empty() && (it.key() == "metadata" || it.key() == "apiVersion" ||
                           it.key() == "kind")) {
        continue;
      }
      const Json& child = PropertySchema(s, it.key());
      if (!child.is_object()) continue;
      const Json* old_child =
          (old && old->is_object() && old->contains(it.key())) ? &(*old)[it.key()] : nullptr;
      ValidateAgainstSchema(it.value(), old_child, child, JoinPath(path, it.key()), errors);
    }
    if (s.contains("maxProperties") && v.size() > s["maxProperties"].get<size_t>()) {
      Add(errors, FieldError{FieldErrorType::kTooMany, path, Json(v.size()),
                             "must have at most " +
                                 std::to_string(s["maxProperties"].get<size_t>()) + " items"});
    }
    if (s.contains("minProperties") && v.size() < s["minProperties"].get<size_t>()) {
      Add(errors, InvalidError(path, Json(v.size()),
                               InBody(path) + " should have at least " +
                                   std::to_string(s["minProperties"].get<size_t>()) +
                                   " properties"));
    }
  }

  // Value validations combined with allOf / anyOf / oneOf / not (structural schemas allow these).
  if (Field(s, "allOf").is_array()) {
    for (const auto& sub : s["allOf"]) ValidateAgainstSchema(v, nullptr, sub, path, errors);
  }
  if (Field(s, "anyOf").is_array() && !s["anyOf"].empty()) {
    bool any = false;
    for (const auto& sub : s["anyOf"]) {
      FieldErrors tmp;
      ValidateAgainstSchema(v, nullptr, sub, path, &tmp);
      any = any || tmp.empty();
    }
    if (!any) {
      Add(errors, InvalidError(path, v, InBody(path) + " must validate at least one schema (anyOf)"));
    }
  }
  if (Field(s, "oneOf").is_array() && !s["oneOf"].empty()) {
    int passing = 0;
    for (const auto& sub : s["oneOf"]) {
      FieldErrors tmp;
      ValidateAgainstSchema(v, nullptr, sub, path, &tmp);
      passing += tmp.empty();
    }
    if (passing != 1) {
      Add(errors,
          InvalidError(path, v, InBody(path) + " must validate one and only one schema (oneOf)"));
    }
  }
  if (Field(s, "not").is_object()) {
    FieldErrors tmp;
    ValidateAgainstSchema(v, nullptr, s["not"], path, &tmp);
    if (tmp.empty()) {
      Add(errors, InvalidError(path, v, InBody(path) + " must not validate the schema (not)"));
    }
  }
}

}  // namespace pgferry::fakeapi
