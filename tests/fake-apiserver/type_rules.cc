#include "tests/fake-apiserver/type_rules.h"

#include <regex>

#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

std::string Base64Encode(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Fields that only the server sets; restored from the old object on every update.
void RestoreServerMetadata(const Json& old, Json* obj) {
  Json& meta = EnsureObject(*obj, "metadata");
  const Json& old_meta = Field(old, "metadata");
  for (const char* k : {"uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "name", "namespace",
                        "selfLink"}) {
    if (Field(old_meta, k).is_null()) {
      meta.erase(k);
    } else {
      meta[k] = old_meta[k];
    }
  }
}

Json WithoutMetaAndStatus(const Json& obj) {
  Json copy = obj;
  if (copy.is_object()) {
    copy.erase("metadata");
    copy.erase("status");
  }
  return copy;
}

void MergeStringData(Json* secret) {
  if (!Field(*secret, "stringData").is_object()) {
    secret->erase("stringData");
    return;
  }
  Json& data = EnsureObject(*secret, "data");
  for (const auto& [k, v] : (*secret)["stringData"].items()) {
    if (v.is_string()) data[k] = Base64Encode(v.get<std::string>());
  }
  secret->erase("stringData");
}

const std::regex& ConfigKeyRe() {
  static const std::regex re("^[-._a-zA-Z0-9]+$");
  return re;
}

void ValidateEventsV1(const Json& e, FieldErrors* errors) {
  if (StringField(e, "eventTime").empty()) errors->push_back(RequiredError("eventTime"));
  std::string type = StringField(e, "type");
  if (type != "Normal" && type != "Warning") {
    errors->push_back(InvalidError("type", type, "has invalid value: " + type));
  }
  std::string controller = StringField(e, "reportingController");
  if (controller.empty()) {
    errors->push_back(RequiredError("reportingController"));
  } else if (std::string err = QualifiedNameError(controller); !err.empty()) {
    errors->push_back(InvalidError("reportingController", controller, err));
  }
  std::string instance = StringField(e, "reportingInstance");
  if (instance.empty()) errors->push_back(RequiredError("reportingInstance"));
  if (instance.size() > 128) {
    errors->push_back(InvalidError("reportingInstance", instance, "can have at most 128 characters"));
  }
  for (const char* f : {"action", "reason"}) {
    std::string v = StringField(e, f);
    if (v.empty()) errors->push_back(RequiredError(f));
    if (v.size() > 128) errors->push_back(InvalidError(f, v, "can have at most 128 characters"));
  }
  if (StringField(e, "note").size() > 1024) {
    errors->push_back(FieldError{FieldErrorType::kTooLong, "note", std::nullopt,
                                 "may not be more than 1024 bytes"});
  }
}

}  // namespace

Json ToWire(const ResourceType& type, const Json& stored) {
  if (type.builtin == "events.k8s.io/Event") {
    Json e = {{"apiVersion", "events.k8s.io/v1"}, {"kind", "Event"}, {"metadata", Field(stored, "metadata")}};
    auto copy = [&](const char* from, const char* to) {
      if (!Field(stored, from).is_null()) e[to] = stored[from];
    };
    copy("involvedObject", "regarding");
    copy("related", "related");
    copy("message", "note");
    copy("reason", "reason");
    copy("type", "type");
    copy("action", "action");
    copy("reportingComponent", "reportingController");
    copy("reportingInstance", "reportingInstance");
    copy("series", "series");
    copy("source", "deprecatedSource");
    copy("firstTimestamp", "deprecatedFirstTimestamp");
    copy("lastTimestamp", "deprecatedLastTimestamp");
    copy("count", "deprecatedCount");
    e["eventTime"] = Field(stored, "eventTime");
    return e;
  }
  Json out = stored;
  out["apiVersion"] = type.ApiVersion();
  out["kind"] = type.kind;
  if (type.custom) ApplyDefaults(&out, type.schema);
  return out;
}

Json FromWire(const ResourceType& type, const ResourceType& storage_type, const Json& wire) {
  if (type.builtin == "events.k8s.io/Event") {
    Json e = {{"apiVersion", "v1"}, {"kind", "Event"}, {"metadata", Field(wire, "metadata")}};
    auto copy = [&](const char* from, const char* to) {
      if (!Field(wire, from).is_null()) e[to] = wire[from];
    };
    copy("regarding", "involvedObject");
    copy("related", "related");
    copy("note", "message");
    copy("reason", "reason");
    copy("type", "type");
    copy("action", "action");
    copy("reportingController", "reportingComponent");
    copy("reportingInstance", "reportingInstance");
    copy("series", "series");
    copy("deprecatedSource", "source");
    copy("deprecatedFirstTimestamp", "firstTimestamp");
    copy("deprecatedLastTimestamp", "lastTimestamp");
    copy("deprecatedCount", "count");
    copy("eventTime", "eventTime");
    if (!e.contains("source") && e.contains("reportingComponent")) {
      e["source"] = {{"component", e["reportingComponent"]}};
    }
    return e;
  }
  Json out = wire;
  out["apiVersion"] = storage_type.ApiVersion();
  out["kind"] = storage_type.kind;
  return out;
}

void PrepareForCreate(const ResourceType& type, Json* obj) {
  Json& meta = EnsureObject(*obj, "metadata");
  for (const char* k : {"uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                        "selfLink", "generation", "creationTimestamp"}) {
    meta.erase(k);
  }
  if (type.has_generation) meta["generation"] = 1;
  if (type.status_subresource) obj->erase("status");
  if (type.builtin == "Secret") {
    MergeStringData(obj);
    if (StringField(*obj, "type").empty()) (*obj)["type"] = "Opaque";
  }
  if (type.builtin == "Namespace") {
    (*obj)["status"] = {{"phase", "Active"}};
    (*obj)["spec"] = {{"finalizers", {"kubernetes"}}};
    EnsureObject(meta, "labels")["kubernetes.io/metadata.name"] = StringField(meta, "name");
  }
}

void PrepareForUpdate(const ResourceType& type, bool status_request, const Json& old, Json* obj) {
  if (status_request) {
    Json status = Field(*obj, "status");
    bool has_status = obj->contains("status");
    Json managed = Field(Field(*obj, "metadata"), "managedFields");
    Json rv = Field(Field(*obj, "metadata"), "resourceVersion");
    *obj = old;
    if (has_status) {
      (*obj)["status"] = status;
    } else {
      obj->erase("status");
    }
    if (!managed.is_null()) (*obj)["metadata"]["managedFields"] = managed;
    if (!rv.is_null()) (*obj)["metadata"]["resourceVersion"] = rv;
    return;
  }
  RestoreServerMetadata(old, obj);
  if (type.status_subresource) {
    if (old.contains("status")) {
      (*obj)["status"] = old["status"];
    } else {
      obj->erase("status");
    }
  }
  if (type.builtin == "Secret") {
    MergeStringData(obj);
    if (StringField(*obj, "type").empty()) (*obj)["type"] = "Opaque";  // decoding defaults it
  }
  if (type.builtin == "Namespace") {
    (*obj)["spec"] = Field(old, "spec");
    EnsureObject((*obj)["metadata"], "labels")["kubernetes.io/metadata.name"] =
        StringField(old["metadata"], "name");
  }
  if (type.has_generation) {
    int64_t gen = Field(Field(old, "metadata"), "generation").is_number()
                      ? old["metadata"]["generation"].get<int64_t>()
                      : 1;
    if (WithoutMetaAndStatus(*obj) != WithoutMetaAndStatus(old)) ++gen;
    (*obj)["metadata"]["generation"] = gen;
  }
}

void ValidateBuiltin(const ResourceType& type, const Json& obj, const Json* old,
                     FieldErrors* errors) {
  if (type.builtin == "Secret") {
    const Json& data = Field(obj, "data");
    size_t total = 0;
    if (data.is_object()) {
      for (const auto& [k, v] : data.items()) {
        if (!std::regex_match(k, ConfigKeyRe())) {
          errors->push_back(InvalidError("data[" + k + "]", k,
                                         "a valid config key must consist of alphanumeric "
                                         "characters, '-', '_' or '.' (e.g. 'key.name',  or "
                                         "'KEY_NAME',  or 'key-name', regex used for validation "
                                         "is '[-._a-zA-Z0-9]+')"));
        }
        if (v.is_string()) total += v.get<std::string>().size() * 3 / 4;
      }
    }
    if (total > 1024 * 1024) {
      errors->push_back(FieldError{FieldErrorType::kTooLong, "data", std::nullopt,
                                   "may not be more than 1048576 bytes"});
    }
    if (old) {
      if (StringField(obj, "type") != StringField(*old, "type")) {
        errors->push_back(InvalidError("type", StringField(obj, "type"), "field is immutable"));
      }
      if (Field(*old, "immutable") == true) {
        if (Field(obj, "data") != Field(*old, "data")) {
          errors->push_back(ForbiddenError("data", "field is immutable when `immutable` is set"));
        }
        if (Field(obj, "immutable") != true) {
          errors->push_back(ForbiddenError("immutable", "field is immutable when `immutable` is set"));
        }
      }
    }
  } else if (type.builtin == "Namespace") {
    std::string name = StringField(Field(obj, "metadata"), "name");
    if (std::string e = Dns1123LabelError(name); !name.empty() && !e.empty()) {
      errors->push_back(InvalidError("metadata.name", name, e));
    }
  } else if (type.builtin == "events.k8s.io/Event") {
    if (!old) ValidateEventsV1(obj, errors);
  } else if (type.builtin == "Lease") {
    const Json& spec = Field(obj, "spec");
    const Json& d = Field(spec, "leaseDurationSeconds");
    if (d.is_number_integer() && d.get<int64_t>() <= 0) {
      errors->push_back(InvalidError("spec.leaseDurationSeconds", d, "must be greater than 0"));
    }
    const Json& tr = Field(spec, "leaseTransitions");
    if (tr.is_number_integer() && tr.get<int64_t>() < 0) {
      errors->push_back(InvalidError("spec.leaseTransitions", tr, "must be greater than or equal to 0"));
    }
  }
}

}  // namespace pgferry::fakeapi
