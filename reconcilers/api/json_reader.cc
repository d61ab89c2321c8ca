#include "reconcilers/api/json_reader.h"

namespace pgferry::api {

using nlohmann::json;

JsonReader::JsonReader(const json& object, std::string path, std::vector<std::string>* errors,
                       bool strict)
    : object_(&object), path_(std::move(path)), errors_(errors), strict_(strict) {
  if (!object.is_object()) {
    Error("", "must be an object");
    object_ = nullptr;
  }
}

std::string JsonReader::FieldPath(const std::string& key) const {
  if (key.empty()) return path_;
  if (path_.empty()) return key;
  return path_ + "." + key;
}

void JsonReader::Error(const std::string& key, const std::string& problem) {
  std::string where = FieldPath(key);
  errors_->push_back(where.empty() ? problem : where + ": " + problem);
}

const json* JsonReader::Get(const char* key, Presence presence) {
  known_.insert(key);
  const json* value = nullptr;
  if (object_ != nullptr) {
    auto it = object_->find(key);
    if (it != object_->end() && !it->is_null()) value = &*it;
  }
  if (value == nullptr && presence == kRequired && object_ != nullptr) Error(key, "required");
  return value;
}

bool JsonReader::String(const char* key, std::string* out, Presence presence) {
  const json* v = Get(key, presence);
  if (v == nullptr) return false;
  if (!v->is_string()) {
    Error(key, "must be a string");
    return false;
  }
  *out = v->get<std::string>();
  return true;
}

bool JsonReader::NonEmptyString(const char* key, std::string* out, Presence presence) {
  std::string value;
  if (!String(key, &value, presence)) return false;
  if (value.empty()) {
    Error(key, "must not be empty");
    return false;
  }
  *out = std::move(value);
  return true;
}

bool JsonReader::OptionalString(const char* key, std::optional<std::string>* out) {
  std::string value;
  if (!String(key, &value)) return false;
  *out = std::move(value);
  return true;
}

bool JsonReader::Bool(const char* key, bool* out) {
  const json* v = Get(key, kOptional);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Error(key, "must be a boolean (true or false)");
    return false;
  }
  *out = v->get<bool>();
  return true;
}

std::optional<int64_t> JsonToInt64(const json& value) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

bool JsonReader::Int64(const char* key, int64_t* out, int64_t lo, int64_t hi) {
  const json* v = Get(key, kOptional);
  if (v == nullptr) return false;
  if (!v->is_number_integer()) {
    Error(key, "must be an integer");
    return false;
  }
  std::optional<int64_t> n = JsonToInt64(*v);
  if (!n || *n < lo || *n > hi) {
    bool no_upper_bound =
        hi == std::numeric_limits<int64_t>::max() || hi == std::numeric_limits<int>::max();
    if (no_upper_bound && n && *n < lo) {
      Error(key, "must be >= " + std::to_string(lo));
    } else if (lo == std::numeric_limits<int64_t>::min()) {
      Error(key, "out of range");
    } else {
      Error(key, "must be " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return false;
  }
  *out = *n;
  return true;
}

bool JsonReader::Int(const char* key, int* out, int lo, int hi) {
  int64_t value = 0;
  if (!Int64(key, &value, lo, hi)) return false;
  *out = static_cast<int>(value);
  return true;
}

bool JsonReader::OneOf(const char* key, std::string* out, const std::vector<std::string>& allowed) {
  std::string value;
  if (!String(key, &value)) return false;
  for (const auto& a : allowed) {
    if (a == value) {
      *out = value;
      return true;
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  Error(key, "must be one of " + list + " (got \"" + value + "\")");
  return false;
}

bool JsonReader::StringList(const char* key, std::vector<std::string>* out) {
  const json* v = List(key);
  if (v == nullptr) return false;
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) {
      Error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
      ok = false;
      continue;
    }
    values.push_back(item.get<std::string>());
  }
  if (ok) *out = std::move(values);
  return ok;
}

bool JsonReader::StringMap(const char* key, std::map<std::string, std::string>* out) {
  const json* v = Get(key, kOptional);
  if (v == nullptr) return false;
  if (!v->is_object()) {
    Error(key, "must be an object");
    return false;
  }
  std::map<std::string, std::string> values;
  bool ok = true;
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) {
      Error(std::string(key) + "." + k, "must be a string");
      ok = false;
      continue;
    }
    values[k] = item.get<std::string>();
  }
  if (ok) *out = std::move(values);
  return ok;
}

bool JsonReader::Int64Map(const char* key, std::map<std::string, int64_t>* out) {
  const json* v = Get(key, kOptional);
  if (v == nullptr) return false;
  if (!v->is_object()) {
    Error(key, "must be an object");
    return false;
  }
  std::map<std::string, int64_t> values;
  bool ok = true;
  for (const auto& [k, item] : v->items()) {
    std::optional<int64_t> n = JsonToInt64(item);
    if (!n) {
      Error(std::string(key) + "." + k, "must be an integer");
      ok = false;
      continue;
    }
    values[k] = *n;
  }
  if (ok) *out = std::move(values);
  return ok;
}

std::optional<JsonReader> JsonReader::Object(const char* key, Presence presence,
                                             std::optional<bool> strict) {
  const json* v = Get(key, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) {
    Error(key, "must be an object");
    return std::nullopt;
  }
  return JsonReader(*v, FieldPath(key), errors_, strict.value_or(strict_));
}

const json* JsonReader::List(const char* key) {
  const json* v = Get(key, kOptional);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    Error(key, "must be a list");
    return nullptr;
  }
  return v;
}

void JsonReader::Finish() {
  if (!strict_ || object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (!known_.count(key)) Error(key, "unknown field");
  }
}

Status ErrorsToStatus(const std::vector<std::string>& errors) {
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const auto& e : errors) message += (message.empty() ? "" : "; ") + e;
  return InvalidArgument(message);
}

}  // namespace pgferry::api
