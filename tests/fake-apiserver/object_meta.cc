#include "tests/fake-apiserver/object_meta.h"

#include <cstdio>
#include <ctime>
#include <random>
#include <regex>

namespace pgferry::fakeapi {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

const std::regex& Dns1123LabelRe() {
  static const std::regex re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  return re;
}
const std::regex& Dns1123SubdomainRe() {
  static const std::regex re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  return re;
}
const std::regex& QualifiedNamePartRe() {
  static const std::regex re("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
  return re;
}

const char* kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kQualifiedPartMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

}  // namespace

std::string NewUid() {
  std::uniform_int_distribution<int> d(0, 15);
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
    int v = d(Rng());
    if (i == 12) v = 4;
    if (i == 16) v = 8 + (v & 3);
    s += hex[v];
  }
  return s;
}

std::string GenerateNameSuffix() {
  const char* alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<int> d(0, 26);
  std::string s;
  for (int i = 0; i < 5; ++i) s += alphabet[d(Rng())];
  return s;
}

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Rfc3339Micro(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() %
                1000000;
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
  return out;
}

std::string NowRfc3339() { return Rfc3339(std::chrono::system_clock::now()); }

bool ParseRfc3339(const std::string& s, std::chrono::system_clock::time_point* out) {
  static const std::regex re(
      "^(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return false;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return false;
  }
  std::time_t t = timegm(&tm);
  std::string zone = m[8];
  if (zone != "Z" && zone != "z") {
    int sign = zone[0] == '-' ? -1 : 1;
    int off = std::stoi(zone.substr(1, 2)) * 3600 + std::stoi(zone.substr(4, 2)) * 60;
    t -= sign * off;
  }
  if (out) *out = std::chrono::system_clock::from_time_t(t);
  return true;
}

std::string HumanDuration(std::chrono::seconds d) {
  long long seconds = d.count();
  char buf[32];
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) {
    std::snprintf(buf, sizeof buf, "%llds", seconds);
    return buf;
  }
  long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    if (s == 0) std::snprintf(buf, sizeof buf, "%lldm", minutes);
    else std::snprintf(buf, sizeof buf, "%lldm%llds", minutes, s);
    return buf;
  }
  if (minutes < 60 * 3) {
    std::snprintf(buf, sizeof buf, "%lldm", minutes);
    return buf;
  }
  long long hours = seconds / 3600;
  if (hours < 8) {
    long long m = minutes % 60;
    if (m == 0) std::snprintf(buf, sizeof buf, "%lldh", hours);
    else std::snprintf(buf, sizeof buf, "%lldh%lldm", hours, m);
  } else if (hours < 48) {
    std::snprintf(buf, sizeof buf, "%lldh", hours);
  } else if (hours < 24 * 8) {
    long long h = hours % 24;
    if (h == 0) std::snprintf(buf, sizeof buf, "%lldd", hours / 24);
    else std::snprintf(buf, sizeof buf, "%lldd%lldh", hours / 24, h);
  } else if (hours < 24 * 365 * 2) {
    std::snprintf(buf, sizeof buf, "%lldd", hours / 24);
  } else if (hours < 24 * 365 * 8) {
    long long dy = (hours / 24) % 365;
    if (dy == 0) std::snprintf(buf, sizeof buf, "%lldy", hours / 24 / 365);
    else std::snprintf(buf, sizeof buf, "%lldy%lldd", hours / 24 / 365, dy);
  } else {
    std::snprintf(buf, sizeof buf, "%lldy", hours / 24 / 365);
  }
  return buf;
}

std::string Dns1123SubdomainError(const std::string& value) {
  if (value.size() > 253) return "must be no more than 253 characters";
  if (!std::regex_match(value, Dns1123SubdomainRe())) return kSubdomainMsg;
  return "";
}

std::string Dns1123LabelError(const std::string& value) {
  if (value.size() > 63) return "must be no more than 63 characters";
  if (!std::regex_match(value, Dns1123LabelRe())) return kLabelMsg;
  return "";
}

std::string QualifiedNameError(const std::string& value) {
  std::string name = value;
  size_t slash = value.find('/');
  if (slash != std::string::npos) {
    std::string prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) return "prefix part must be non-empty";
    std::string err = Dns1123SubdomainError(prefix);
    if (!err.empty()) return "prefix part " + err;
    if (value.find('/', slash + 1) != std::string::npos) {
      return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
             "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
             "[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
             "'example.com/MyName')";
    }
  }
  if (name.empty()) return "name part must be non-empty";
  if (name.size() > 63) return "name part must be no more than 63 characters";
  if (!std::regex_match(name, QualifiedNamePartRe())) return kQualifiedPartMsg;
  return "";
}

std::string LabelValueError(const std::string& value) {
  if (value.empty()) return "";
  if (value.size() > 63) return "must be no more than 63 characters";
  if (!std::regex_match(value, QualifiedNamePartRe())) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', "
           "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
           "or 'my_value',  or '12345', regex used for validation is "
           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  }
  return "";
}

void ValidateObjectMeta(const Json& meta, bool namespaced, const std::string& name_validator,
                        FieldErrors* errors) {
  std::string name = StringField(meta, "name");
  std::string generate = StringField(meta, "generateName");
  auto check_name = [&](const std::string& n) {
    return name_validator == "label" ? Dns1123LabelError(n) : Dns1123SubdomainError(n);
  };
  if (name.empty() && generate.empty()) {
    errors->push_back(RequiredError("metadata.name", "name or generateName is required"));
  } else if (!name.empty()) {
    std::string err = check_name(name);
    if (!err.empty()) errors->push_back(InvalidError("metadata.name", name, err));
  } else {
    std::string err = check_name(generate + "a");
    if (!err.empty()) errors->push_back(InvalidError("metadata.generateName", generate, err));
  }
  if (!namespaced && !StringField(meta, "namespace").empty()) {
    errors->push_back(ForbiddenError("metadata.namespace", "not allowed on this type"));
  }
  const Json& labels = Field(meta, "labels");
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) {
      std::string err = QualifiedNameError(k);
      if (!err.empty()) errors->push_back(InvalidError("metadata.labels", k, err));
      if (v.is_string()) {
        err = LabelValueError(v.get<std::string>());
        if (!err.empty()) errors->push_back(InvalidError("metadata.labels", v, err));
      }
    }
  }
  const Json& annotations = Field(meta, "annotations");
  if (annotations.is_object()) {
    size_t total = 0;
    for (const auto& [k, v] : annotations.items()) {
      std::string err = QualifiedNameError(k);
      if (!err.empty()) errors->push_back(InvalidError("metadata.annotations", k, err));
      total += k.size() + (v.is_string() ? v.get<std::string>().size() : 0);
    }
    if (total > 256 * 1024) {
      errors->push_back(FieldError{FieldErrorType::kTooLong, "metadata.annotations", std::nullopt,
                                   "may not be more than 262144 bytes"});
    }
  }
  const Json& finalizers = Field(meta, "finalizers");
  if (finalizers.is_array()) {
    for (size_t i = 0; i < finalizers.size(); ++i) {
      if (!finalizers[i].is_string()) continue;
      std::string f = finalizers[i].get<std::string>();
      std::string err = QualifiedNameError(f);
      if (!err.empty()) {
        errors->push_back(
            InvalidError("metadata.finalizers[" + std::to_string(i) + "]", f, err));
      }
    }
  }
  const Json& owners = Field(meta, "ownerReferences");
  if (owners.is_array()) {
    int controllers = 0;
    for (const auto& ref : owners) {
      if (StringField(ref, "apiVersion").empty()) {
        errors->push_back(InvalidError("metadata.ownerReferences.apiVersion", "",
                                       "version must not be empty"));
      }
      if (StringField(ref, "kind").empty()) {
        errors->push_back(
            InvalidError("metadata.ownerReferences.kind", "", "kind must not be empty"));
      }
      if (StringField(ref, "name").empty()) {
        errors->push_back(
            InvalidError("metadata.ownerReferences.name", "", "name must not be empty"));
      }
      if (StringField(ref, "uid").empty()) {
        errors->push_back(
            InvalidError("metadata.ownerReferences.uid", "", "uid must not be empty"));
      }
      if (Field(ref, "controller").is_boolean() && ref["controller"].get<bool>()) ++controllers;
    }
    if (controllers > 1) {
      errors->push_back(InvalidError("metadata.ownerReferences", owners,
                                     "Only one reference can have Controller set to true"));
    }
  }
}

const Json& Field(const Json& obj, const char* key) {
  static const Json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string StringField(const Json& obj, const char* key) {
  const Json& v = Field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

Json& EnsureObject(Json& obj, const char* key) {
  if (!obj.is_object()) obj = Json::object();
  Json& v = obj[key];
  if (!v.is_object()) v = Json::object();
  return v;
}

}  // namespace pgferry::fakeapi
