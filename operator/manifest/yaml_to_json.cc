#include "operator/manifest/yaml_to_json.h"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string_view>

namespace pgferry::manifest {
namespace {

using nlohmann::json;

constexpr const char* kTagStr = "tag:yaml.org,2002:str";
constexpr const char* kTagInt = "tag:yaml.org,2002:int";
constexpr const char* kTagFloat = "tag:yaml.org,2002:float";
constexpr const char* kTagBool = "tag:yaml.org,2002:bool";
constexpr const char* kTagNull = "tag:yaml.org,2002:null";

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }  // Mark is 0-based

std::optional<json> ResolveNull(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return json(nullptr);
  return std::nullopt;
}

std::optional<json> ResolveBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return json(true);
  if (s == "false" || s == "False" || s == "FALSE") return json(false);
  return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

std::string_view WithoutSign(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return s;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloatText(std::string_view s) {
  s = WithoutSign(s);
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - start;
  };
  size_t whole = digits();
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::optional<json> ResolveInt(const std::string& s) {
  std::string_view digits = s;
  int base = 10;
  if (s.size() > 2 && s.compare(0, 2, "0o") == 0 && AllOf(digits.substr(2), IsOctalDigit)) {
    digits.remove_prefix(2);
    base = 8;
  } else if (s.size() > 2 && s.compare(0, 2, "0x") == 0 && AllOf(digits.substr(2), IsHexDigit)) {
    digits.remove_prefix(2);
    base = 16;
  } else if (!AllOf(WithoutSign(digits), IsDigit)) {
    return std::nullopt;
  }
  if (digits[0] == '+') digits.remove_prefix(1);
  const char* end = digits.data() + digits.size();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), end, value, base);
  if (ec == std::errc() && ptr == end) return json(value);
  uint64_t big = 0;
  auto [uptr, uec] = std::from_chars(digits.data(), end, big, base);
  if (uec == std::errc() && uptr == end) return json(big);
  return json(std::strtod(s.c_str(), nullptr));  // too large for any integer type
}

std::optional<json> ResolveFloat(const std::string& s) {
  if (IsFloatText(s)) return json(std::strtod(s.c_str(), nullptr));
  std::string_view unsigned_part = WithoutSign(s);
  if (unsigned_part == ".inf" || unsigned_part == ".Inf" || unsigned_part == ".INF") {
    return json(s[0] == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity());
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return json(std::numeric_limits<double>::quiet_NaN());
  }
  return std::nullopt;
}

Result<json> ScalarToJson(const YAML::Node& node, const std::string& origin) {
  const std::string& tag = node.Tag();
  const std::string& s = node.Scalar();
  if (tag == "?") {  // plain scalar: resolve by content
    for (auto resolve : {ResolveNull, ResolveBool, ResolveInt, ResolveFloat}) {
      if (auto v = resolve(s)) return *v;
    }
    return json(s);
  }
  struct Explicit {
    const char* tag;
    std::optional<json> (*resolve)(const std::string&);
    const char* name;  // as written in YAML
    const char* what;
  };
  for (const Explicit& e : {Explicit{kTagNull, ResolveNull, "!!null", "null"},
                            Explicit{kTagBool, ResolveBool, "!!bool", "a boolean"},
                            Explicit{kTagInt, ResolveInt, "!!int", "an integer"},
                            Explicit{kTagFloat, ResolveFloat, "!!float", "a number"}}) {
    if (tag != e.tag) continue;
    std::optional<json> v = e.resolve(s);
    if (!v && tag == kTagFloat) v = ResolveInt(s);
    if (!v) {  // the value itself is left out: it may be a password
      return InvalidArgument(origin + ":line " + std::to_string(LineOf(node)) + ": value tagged " +
                             e.name + " is not " + e.what);
    }
    return *v;
  }
  return json(s);  // quoted ("!"), !!str and unknown tags: the text as written
}

Result<json> NodeToJson(const YAML::Node& node, const std::string& origin) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node, origin);
    case YAML::NodeType::Sequence: {
      json list = json::array();
      for (const auto& item : node) {
        ASSIGN_OR_RETURN(json value, NodeToJson(item, origin));
        list.push_back(std::move(value));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& kv : node) {
        std::string where = origin + ":line " + std::to_string(LineOf(kv.first));
        if (!kv.first.IsScalar()) return InvalidArgument(where + ": mapping keys must be strings");
        const std::string& key = kv.first.Scalar();
        if (object.contains(key)) return InvalidArgument(where + ": duplicate key \"" + key + "\"");
        ASSIGN_OR_RETURN(object[key], NodeToJson(kv.second, origin));
      }
      return object;
    }
    default:
      return json(nullptr);
  }
}

// Follows `path` from `node`; `line` is where `node` was found.
int FollowPath(const YAML::Node& node, std::string_view path, int line) {
  if (!path.empty() && path[0] == '.') path.remove_prefix(1);
  if (path.empty()) return line;
  if (path[0] == '[') {
    size_t close = path.find(']');
    if (close == std::string_view::npos || !node.IsSequence()) return line;
    size_t index = 0;
    auto [ptr, ec] = std::from_chars(path.data() + 1, path.data() + close, index);
    if (ec != std::errc() || index >= node.size()) return line;
    const YAML::Node item = node[index];
    return FollowPath(item, path.substr(close + 1), LineOf(item));
  }
  size_t end = path.find_first_of(".[");
  std::string_view key = path.substr(0, end);
  if (!node.IsMap()) return line;
  for (const auto& kv : node) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      return FollowPath(kv.second, end == std::string_view::npos ? "" : path.substr(end),
                        LineOf(kv.first));
    }
  }
  return line;
}

}  // namespace

Result<std::vector<YamlDocument>> ParseYamlDocuments(const std::string& text,
                                                     const std::string& origin) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return InvalidArgument(origin + ": " + e.msg);
    return InvalidArgument(origin + ":line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::vector<YamlDocument> docs;
  for (const YAML::Node& node : nodes) {
    if (node.IsNull()) continue;  // `---` followed by nothing, or only comments
    ASSIGN_OR_RETURN(json value, NodeToJson(node, origin));
    docs.push_back(YamlDocument{std::move(value), node, LineOf(node)});
  }
  return docs;
}

int LineOfField(const YamlDocument& doc, const std::string& path) {
  return FollowPath(doc.node, path, doc.line);
}

}  // namespace pgferry::manifest
