#include "tests/fake-apiserver/request_body.h"

#include <yaml-cpp/yaml.h>

#include <regex>

namespace pgferry::fakeapi {
namespace {

Json ScalarToJson(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  static const std::regex int_re("^[-+]?[0-9]+$");
  static const std::regex float_re("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, int_re)) {
    try {
      return static_cast<int64_t>(std::stoll(s));
    } catch (const std::exception&) {
    }
  }
  if (std::regex_match(s, float_re)) {
    try {
      return std::stod(s);
    } catch (const std::exception&) {
    }
  }
  return s;
}

Json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& e : n) a.push_back(YamlToJson(e));
      return a;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    default:
      return nullptr;
  }
}

}  // namespace

bool DecodeBody(const std::string& body, bool allow_yaml, Json* out, std::string* error) {
  *out = Json::parse(body, nullptr, false);
  if (!out->is_discarded()) return true;
  if (allow_yaml) {
    try {
      *out = YamlToJson(YAML::Load(body));
      return true;
    } catch (const std::exception& e) {
      *error = std::string("error converting YAML to JSON: ") + e.what();
      return false;
    }
  }
  try {
    Json ignored = Json::parse(body);
    (void)ignored;
  } catch (const std::exception& e) {
    *error = std::string("couldn't get version/kind; json parse error: ") + e.what();
  }
  return false;
}

}  // namespace pgferry::fakeapi
