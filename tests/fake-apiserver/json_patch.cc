#include "tests/fake-apiserver/json_patch.h"

#include <algorithm>

namespace pgferry::fakeapi {
namespace {

bool ParsePointer(const std::string& ptr, std::vector<std::string>* tokens, std::string* error) {
  tokens->clear();
  if (ptr.empty()) return true;
  if (ptr[0] != '/') {
    *error = "JSON pointer must be empty or start with a \"/\": " + ptr;
    return false;
  }
  size_t start = 1;
  while (true) {
    size_t slash = ptr.find('/', start);
    std::string tok = ptr.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string decoded;
    for (size_t i = 0; i < tok.size(); ++i) {
      if (tok[i] == '~' && i + 1 < tok.size() && (tok[i + 1] == '0' || tok[i + 1] == '1')) {
        decoded += tok[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        decoded += tok[i];
      }
    }
    tokens->push_back(decoded);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

bool ArrayIndex(const std::string& tok, size_t size, bool allow_end, size_t* out) {
  if (tok == "-" && allow_end) {
    *out = size;
    return true;
  }
  if (tok.empty() || !std::all_of(tok.begin(), tok.end(), ::isdigit)) return false;
  if (tok.size() > 9) return false;
  size_t i = std::strtoul(tok.c_str(), nullptr, 10);
  if (i > size || (!allow_end && i == size)) return false;
  *out = i;
  return true;
}

// The container holding the last token, or nullptr.
Json* Parent(Json* doc, const std::vector<std::string>& tokens) {
  Json* cur = doc;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t idx;
      if (!ArrayIndex(t, cur->size(), false, &idx)) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

Json* Find(Json* doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return doc;
  Json* parent = Parent(doc, tokens);
  if (!parent) return nullptr;
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    return it == parent->end() ? nullptr : &*it;
  }
  if (parent->is_array()) {
    size_t idx;
    if (!ArrayIndex(last, parent->size(), false, &idx)) return nullptr;
    return &(*parent)[idx];
  }
  return nullptr;
}

bool Add(Json* doc, const std::vector<std::string>& tokens, const Json& value) {
  if (tokens.empty()) {
    *doc = value;
    return true;
  }
  Json* parent = Parent(doc, tokens);
  if (!parent) return false;
  if (parent->is_object()) {
    (*parent)[tokens.back()] = value;
    return true;
  }
  if (parent->is_array()) {
    size_t idx;
    if (!ArrayIndex(tokens.back(), parent->size(), true, &idx)) return false;
    parent->insert(parent->begin() + static_cast<long>(idx), value);
    return true;
  }
  return false;
}

bool Remove(Json* doc, const std::vector<std::string>& tokens, Json* removed) {
  if (tokens.empty()) return false;
  Json* parent = Parent(doc, tokens);
  if (!parent) return false;
  if (parent->is_object()) {
    auto it = parent->find(tokens.back());
    if (it == parent->end()) return false;
    if (removed) *removed = *it;
    parent->erase(it);
    return true;
  }
  if (parent->is_array()) {
    size_t idx;
    if (!ArrayIndex(tokens.back(), parent->size(), false, &idx)) return false;
    if (removed) *removed = (*parent)[idx];
    parent->erase(parent->begin() + static_cast<long>(idx));
    return true;
  }
  return false;
}

std::string Join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

bool StrategicMergeInto(Json* target, const Json& patch, const ListStrategyFn& strategy,
                        const std::string& path, std::string* error);

bool MergeList(Json* target, const Json& patch, const ListStrategy& ls, const ListStrategyFn& fn,
               const std::string& path, std::string* error) {
  if (!target->is_array() || ls.kind == ListStrategy::kReplace) {
    Json cleaned = Json::array();
    for (const auto& e : patch) {
      if (e.is_object() && e.contains("$patch")) continue;
      cleaned.push_back(e);
    }
    *target = cleaned;
    return true;
  }
  if (ls.kind == ListStrategy::kSet) {
    for (const auto& e : patch) {
      if (std::find(target->begin(), target->end(), e) == target->end()) target->push_back(e);
    }
    return true;
  }
  for (const auto& e : patch) {
    if (e.is_object() && e.value("$patch", "") == "replace") {
      Json rest = Json::array();
      for (const auto& x : patch) {
        if (!(x.is_object() && x.contains("$patch"))) rest.push_back(x);
      }
      *target = rest;
      return true;
    }
  }
  for (const auto& e : patch) {
    if (!e.is_object() || !e.contains(ls.merge_key)) {
      *error = "map: " + e.dump() + " does not contain declared merge key: " + ls.merge_key;
      return false;
    }
    const Json& key = e[ls.merge_key];
    auto it = std::find_if(target->begin(), target->end(), [&](const Json& x) {
      return x.is_object() && x.contains(ls.merge_key) && x[ls.merge_key] == key;
    });
    if (e.value("$patch", "") == "delete") {
      if (it != target->end()) target->erase(it);
      continue;
    }
    if (it == target->end()) {
      Json fresh = Json::object();
      if (!StrategicMergeInto(&fresh, e, fn, path, error)) return false;
      target->push_back(fresh);
    } else if (!StrategicMergeInto(&*it, e, fn, path, error)) {
      return false;
    }
  }
  return true;
}

bool StrategicMergeInto(Json* target, const Json& patch, const ListStrategyFn& strategy,
                        const std::string& path, std::string* error) {
  if (!patch.is_object()) {
    *target = patch;
    return true;
  }
  if (!target->is_object()) *target = Json::object();
  std::string directive = patch.value("$patch", "");
  if (directive == "replace") {
    Json copy = patch;
    copy.erase("$patch");
    *target = copy;
    return true;
  }
  if (directive == "delete") {
    *target = nullptr;
    return true;
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    const Json& keep = patch["$retainKeys"];
    for (auto it = target->begin(); it != target->end();) {
      if (std::find(keep.begin(), keep.end(), it.key()) == keep.end()) {
        it = target->erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [key, value] : patch.items()) {
    if (key == "$patch" || key == "$retainKeys" || key.rfind("$setElementOrder/", 0) == 0) {
      continue;
    }
    if (key.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = key.substr(std::string("$deleteFromPrimitiveList/").size());
      if (target->contains(field) && (*target)[field].is_array() && value.is_array()) {
        Json& list = (*target)[field];
        for (const auto& v : value) list.erase(std::remove(list.begin(), list.end(), v), list.end());
      }
      continue;
    }
    std::string child_path = Join(path, key);
    if (value.is_null()) {
      target->erase(key);
    } else if (value.is_object()) {
      Json& child = (*target)[key];
      if (!StrategicMergeInto(&child, value, strategy, child_path, error)) return false;
      if (child.is_null()) target->erase(key);
    } else if (value.is_array()) {
      Json& child = (*target)[key];
      if (!MergeList(&child, value, strategy(child_path), strategy, child_path, error)) {
        return false;
      }
    } else {
      (*target)[key] = value;
    }
  }
  return true;
}

}  // namespace

Json MergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json result = target.is_object() ? target : Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      result.erase(key);
    } else {
      result[key] = MergePatch(result.contains(key) ? result[key] : Json(), value);
    }
  }
  return result;
}

bool ApplyJsonPatch(Json* doc, const Json& ops, std::string* error) {
  if (!ops.is_array()) {
    *error = "json: cannot unmarshal object into Go value of type jsonpatch.Patch";
    return false;
  }
  for (const auto& op : ops) {
    std::string kind = op.value("op", "");
    std::string path = op.value("path", "");
    std::vector<std::string> tokens;
    if (!ParsePointer(path, &tokens, error)) return false;
    if (kind == "add") {
      if (!op.contains("value")) {
        *error = "add operation does not apply: missing value";
        return false;
      }
      if (!Add(doc, tokens, op["value"])) {
        *error = "add operation does not apply: doc is missing path: \"" + path + "\": missing value";
        return false;
      }
    } else if (kind == "remove") {
      if (!Remove(doc, tokens, nullptr)) {
        *error = "remove operation does not apply: doc is missing path: \"" + path + "\": missing value";
        return false;
      }
    } else if (kind == "replace") {
      Json* target = Find(doc, tokens);
      if (!target) {
        *error = "replace operation does not apply: doc is missing key: " + path + ": missing value";
        return false;
      }
      *target = op.value("value", Json());
    } else if (kind == "move" || kind == "copy") {
      std::string from = op.value("from", "");
      std::vector<std::string> from_tokens;
      if (!ParsePointer(from, &from_tokens, error)) return false;
      Json value;
      if (kind == "move") {
        if (!Remove(doc, from_tokens, &value)) {
          *error = "move operation does not apply: doc is missing from path: " + from;
          return false;
        }
      } else {
        Json* src = Find(doc, from_tokens);
        if (!src) {
          *error = "copy operation does not apply: doc is missing from path: " + from;
          return false;
        }
        value = *src;
      }
      if (!Add(doc, tokens, value)) {
        *error = kind + " operation does not apply: doc is missing destination path: " + path;
        return false;
      }
    } else if (kind == "test") {
      Json* target = Find(doc, tokens);
      Json expected = op.value("value", Json());
      if ((target == nullptr && !expected.is_null()) || (target && *target != expected)) {
        *error = "testing value " + path + " failed: test failed";
        return false;
      }
    } else {
      *error = "Unexpected kind: " + kind;
      return false;
    }
  }
  return true;
}

bool StrategicMergePatch(Json* target, const Json& patch, const ListStrategyFn& strategy,
                         std::string* error) {
  if (!patch.is_object()) {
    *error = "strategic merge patch must be a JSON object";
    return false;
  }
  return StrategicMergeInto(target, patch, strategy, "", error);
}

}  // namespace pgferry::fakeapi
