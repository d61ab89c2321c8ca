#include "tests/fake-apiserver/cel_rules.h"

#include <map>
#include <mutex>

#include "tests/fake-apiserver/cel.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

std::shared_ptr<const CelProgram> Compiled(const std::string& expr, std::string* error) {
  static std::mutex mu;
  static std::map<std::string, std::pair<std::shared_ptr<const CelProgram>, std::string>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(expr);
  if (it == cache.end()) {
    std::string err;
    auto p = CelProgram::Compile(expr, &err);
    it = cache.emplace(expr, std::make_pair(p, err)).first;
  }
  if (!it->second.first) *error = it->second.second;
  return it->second.first;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n\r") - b + 1);
}

std::string SchemaType(const Json& schema) {
  std::string t = StringField(schema, "type");
  if (Field(schema, "x-kubernetes-int-or-string").is_boolean()) return "integer";
  return t.empty() ? "object" : t;
}

// ".foo.bar" / "['a.b']" appended to a field path.
std::string AppendFieldPath(const std::string& path, const std::string& field_path) {
  if (field_path.empty()) return path;
  std::string out = path;
  size_t i = 0;
  while (i < field_path.size()) {
    if (field_path[i] == '.') {
      size_t j = i + 1;
      while (j < field_path.size() && field_path[j] != '.' && field_path[j] != '[') ++j;
      out = JoinPath(out, field_path.substr(i + 1, j - i - 1));
      i = j;
    } else if (field_path[i] == '[') {
      size_t j = field_path.find(']', i);
      if (j == std::string::npos) break;
      std::string inner = field_path.substr(i + 1, j - i - 1);
      if (!inner.empty() && (inner[0] == '\'' || inner[0] == '"')) {
        out += "[" + inner.substr(1, inner.size() - 2) + "]";
      } else {
        out += "[" + inner + "]";
      }
      i = j + 1;
    } else {
      ++i;
    }
  }
  return out;
}

FieldError RuleError(const std::string& path, const Json& schema, const std::string& reason,
                     const std::string& message) {
  std::string type = SchemaType(schema);
  if (reason == "FieldValueRequired") return RequiredError(path, message);
  if (reason == "FieldValueForbidden") return ForbiddenError(path, message);
  if (reason == "FieldValueDuplicate") {
    return FieldError{FieldErrorType::kDuplicate, path, Json(type), message};
  }
  return InvalidError(path, Json(type), message);
}

void EvalRules(const Json& value, const Json* old, const Json& schema, const std::string& path,
               FieldErrors* errors) {
  const Json& rules = Field(schema, "x-kubernetes-validations");
  if (!rules.is_array()) return;
  for (const auto& rule : rules) {
    std::string expr = StringField(rule, "rule");
    std::string err;
    auto program = Compiled(expr, &err);
    if (!program) {
      errors->push_back(InvalidError(path, Json(SchemaType(schema)),
                                     "compilation failed: " + err));
      continue;
    }
    bool optional_old = Field(rule, "optionalOldSelf").is_boolean() && rule["optionalOldSelf"].get<bool>();
    if (program->references_old_self() && !old && !optional_old) continue;  // transition rule
    if (!program->references_old_self() && old && *old == value) continue;  // ratcheting
    Json result;
    std::string target = AppendFieldPath(path, StringField(rule, "fieldPath"));
    std::string message = Trim(StringField(rule, "message"));
    std::string rule_text = message.empty() ? Trim(expr) : message;  // ruleErrorString()
    if (!program->Eval(value, old, &result, &err)) {
      errors->push_back(InvalidError(path, Json(SchemaType(schema)),
                                     err + " evaluating rule: " + rule_text));
      continue;
    }
    if (result.is_boolean() && result.get<bool>()) continue;
    std::string message_expr = StringField(rule, "messageExpression");
    if (!message_expr.empty()) {
      auto mp = Compiled(message_expr, &err);
      Json m;
      if (mp && mp->Eval(value, old, &m, &err) && m.is_string() && !m.get<std::string>().empty()) {
        message = m.get<std::string>();
      }
    }
    if (message.empty()) message = "failed rule: " + rule_text;
    errors->push_back(RuleError(target, schema, StringField(rule, "reason"), message));
  }
}

}  // namespace

void CompileSchemaRules(const Json& schema, const std::string& path, FieldErrors* errors) {
  if (!schema.is_object()) return;
  const Json& rules = Field(schema, "x-kubernetes-validations");
  if (rules.is_array()) {
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string base = path + ".x-kubernetes-validations[" + std::to_string(i) + "]";
      std::string err;
      std::string expr = StringField(rules[i], "rule");
      if (expr.empty()) {
        errors->push_back(RequiredError(base + ".rule"));
        continue;
      }
      if (!Compiled(expr, &err)) {
        errors->push_back(InvalidError(base + ".rule", expr, "compilation failed: " + err));
      }
      std::string mexpr = StringField(rules[i], "messageExpression");
      if (!mexpr.empty() && !Compiled(mexpr, &err)) {
        errors->push_back(
            InvalidError(base + ".messageExpression", mexpr, "compilation failed: " + err));
      }
    }
  }
  const Json& props = Field(schema, "properties");
  if (props.is_object()) {
    for (const auto& [k, v] : props.items()) {
      CompileSchemaRules(v, path + ".properties[" + k + "]", errors);
    }
  }
  if (Field(schema, "items").is_object()) CompileSchemaRules(schema["items"], path + ".items", errors);
  if (Field(schema, "additionalProperties").is_object()) {
    CompileSchemaRules(schema["additionalProperties"], path + ".additionalProperties", errors);
  }
}

void ValidateCelRules(const Json& value, const Json* old, const Json& schema,
                      const std::string& path, FieldErrors* errors) {
  if (!schema.is_object() || value.is_null()) return;
  EvalRules(value, old, schema, path, errors);
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (path.empty() && (it.key() == "metadata" || it.key() == "apiVersion" || it.key() == "kind")) {
        continue;
      }
      const Json& child = PropertySchema(schema, it.key());
      if (!child.is_object()) continue;
      const Json* old_child =
          (old && old->is_object() && old->contains(it.key())) ? &(*old)[it.key()] : nullptr;
      ValidateCelRules(it.value(), old_child, child, JoinPath(path, it.key()), errors);
    }
  } else if (value.is_array()) {
    const Json& items = ItemsSchema(schema);
    std::string list_type = StringField(schema, "x-kubernetes-list-type");
    const Json& keys = Field(schema, "x-kubernetes-list-map-keys");
    for (size_t i = 0; i < value.size(); ++i) {
      const Json* old_item = nullptr;
      if (old && old->is_array()) {
        for (const auto& o : *old) {
          bool same = false;
          if (list_type == "map" && keys.is_array()) {
            same = true;
            for (const auto& k : keys) {
              std::string name = k.get<std::string>();
              same = same && Field(o, name.c_str()) == Field(value[i], name.c_str());
            }
          } else if (list_type == "set") {
            same = o == value[i];
          }
          if (same) {
            old_item = &o;
            break;
          }
        }
      }
      ValidateCelRules(value[i], old_item, items, path + "[" + std::to_string(i) + "]", errors);
    }
  }
}

}  // namespace pgferry::fakeapi
