#include "tests/fake-apiserver/field_set.h"

#include <algorithm>
#include <functional>

#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

std::string ListType(const Json& schema) { return StringField(schema, "x-kubernetes-list-type"); }

bool AtomicMap(const Json& schema) {
  return StringField(schema, "x-kubernetes-map-type") == "atomic";
}

std::vector<std::string> MapKeys(const Json& schema) {
  std::vector<std::string> keys;
  const Json& k = Field(schema, "x-kubernetes-list-map-keys");
  if (k.is_array()) {
    for (const auto& e : k) keys.push_back(e.get<std::string>());
  }
  return keys;
}

std::string ItemKey(const Json& item, const std::vector<std::string>& keys) {
  Json k = Json::object();  // nlohmann sorts keys, as FieldsV1 requires
  for (const auto& name : keys) {
    if (item.is_object() && item.contains(name)) k[name] = item[name];
  }
  return "k:" + k.dump();
}

// The item of a map list whose key matches `key` ("k:{...}"), or nullptr.
const Json* FindItem(const Json& list, const std::string& key, const std::vector<std::string>& keys) {
  if (!list.is_array()) return nullptr;
  for (const auto& item : list) {
    if (ItemKey(item, keys) == key) return &item;
  }
  return nullptr;
}

void Collect(const FieldSet& s, std::vector<std::string>* prefix,
             std::vector<std::vector<std::string>>* out) {
  if (s.member) out->push_back(*prefix);
  for (const auto& [k, child] : s.children) {
    prefix->push_back(k);
    Collect(child, prefix, out);
    prefix->pop_back();
  }
}

}  // namespace

bool FieldSet::empty() const {
  if (member) return false;
  for (const auto& [k, c] : children) {
    if (!c.empty()) return false;
  }
  return true;
}

FieldSet FieldSet::FromJson(const Json& v) {
  FieldSet s;
  if (!v.is_object()) return s;
  for (const auto& [k, child] : v.items()) {
    if (k == ".") {
      s.member = true;
      continue;
    }
    FieldSet c = FromJson(child);
    if (child.is_object() && child.empty()) c.member = true;
    s.children[k] = std::move(c);
  }
  return s;
}

Json FieldSet::ToJson() const {
  Json out = Json::object();
  for (const auto& [k, c] : children) {
    if (c.empty()) continue;
    Json child = c.ToJson();
    if (c.member && !child.empty()) child["."] = Json::object();
    out[k] = child;
  }
  return out;
}

FieldSet FieldSet::Union(const FieldSet& o) const {
  FieldSet r = *this;
  r.member = member || o.member;
  for (const auto& [k, c] : o.children) {
    auto it = r.children.find(k);
    r.children[k] = it == r.children.end() ? c : it->second.Union(c);
  }
  return r;
}

FieldSet FieldSet::Minus(const FieldSet& o) const {
  FieldSet r;
  r.member = member && !o.member;
  for (const auto& [k, c] : children) {
    auto it = o.children.find(k);
    FieldSet d = it == o.children.end() ? c : c.Minus(it->second);
    if (!d.empty()) r.children[k] = std::move(d);
  }
  return r;
}

FieldSet FieldSet::Intersect(const FieldSet& o) const {
  FieldSet r;
  r.member = member && o.member;
  for (const auto& [k, c] : children) {
    auto it = o.children.find(k);
    if (it == o.children.end()) continue;
    FieldSet d = c.Intersect(it->second);
    if (!d.empty()) r.children[k] = std::move(d);
  }
  return r;
}

FieldSet FieldSet::WithoutAncestorsOf(const FieldSet& keep) const {
  FieldSet r = *this;
  for (auto& [k, c] : r.children) {
    auto it = keep.children.find(k);
    if (it == keep.children.end()) continue;
    c = c.WithoutAncestorsOf(it->second);
    if (!it->second.children.empty()) c.member = false;
  }
  return r;
}

std::vector<std::vector<std::string>> FieldSet::MemberPaths() const {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> prefix;
  Collect(*this, &prefix, &out);
  return out;
}

FieldSet FieldsOf(const Json& obj, const Json& schema) {
  FieldSet s;
  if (obj.is_object() && !AtomicMap(schema)) {
    if (obj.empty()) s.member = true;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      s.children["f:" + it.key()] = FieldsOf(it.value(), PropertySchema(schema, it.key()));
    }
    return s;
  }
  if (obj.is_array()) {
    std::string lt = ListType(schema);
    if (lt == "map") {
      std::vector<std::string> keys = MapKeys(schema);
      for (const auto& item : obj) {
        FieldSet c = FieldsOf(item, ItemsSchema(schema));
        c.member = true;
        s.children[ItemKey(item, keys)] = c;
      }
      if (obj.empty()) s.member = true;
      return s;
    }
    if (lt == "set") {
      for (const auto& item : obj) s.children["v:" + item.dump()].member = true;
      if (obj.empty()) s.member = true;
      return s;
    }
  }
  s.member = true;
  return s;
}

FieldSet ChangedFields(const Json& old, const Json& updated, const Json& schema, FieldSet* removed) {
  FieldSet s;
  if (old.is_null() && !updated.is_null()) {
    FieldSet all = FieldsOf(updated, schema);
    std::function<void(FieldSet*)> mark = [&](FieldSet* n) {
      n->member = true;
      for (auto& [k, c] : n->children) mark(&c);
    };
    mark(&all);
    return all;
  }
  if (old == updated) return s;
  if (old.is_object() && updated.is_object() && !AtomicMap(schema)) {
    for (auto it = updated.begin(); it != updated.end(); ++it) {
      const Json& before = old.contains(it.key()) ? old[it.key()] : Json();
      FieldSet rm;
      FieldSet c = ChangedFields(before, it.value(), PropertySchema(schema, it.key()), &rm);
      if (!c.empty()) s.children["f:" + it.key()] = c;
      if (removed && !rm.empty()) removed->children["f:" + it.key()] = rm;
    }
    if (removed) {
      for (auto it = old.begin(); it != old.end(); ++it) {
        if (!updated.contains(it.key())) {
          removed->children["f:" + it.key()] = FieldsOf(it.value(), PropertySchema(schema, it.key()));
          removed->children["f:" + it.key()].member = true;
        }
      }
    }
    return s;
  }
  if (old.is_array() && updated.is_array() && ListType(schema) == "map") {
    std::vector<std::string> keys = MapKeys(schema);
    for (const auto& item : updated) {
      std::string k = ItemKey(item, keys);
      const Json* before = FindItem(old, k, keys);
      FieldSet rm;
      FieldSet c = ChangedFields(before ? *before : Json(), item, ItemsSchema(schema), &rm);
      if (!c.empty()) s.children[k] = c;
      if (removed && !rm.empty()) removed->children[k] = rm;
    }
    if (removed) {
      for (const auto& item : old) {
        std::string k = ItemKey(item, keys);
        if (!FindItem(updated, k, keys)) {
          FieldSet gone = FieldsOf(item, ItemsSchema(schema));
          gone.member = true;
          removed->children[k] = gone;
        }
      }
    }
    return s;
  }
  if (old.is_array() && updated.is_array() && ListType(schema) == "set") {
    for (const auto& item : updated) {
      if (std::find(old.begin(), old.end(), item) == old.end()) {
        s.children["v:" + item.dump()].member = true;
      }
    }
    if (removed) {
      for (const auto& item : old) {
        if (std::find(updated.begin(), updated.end(), item) == updated.end()) {
          removed->children["v:" + item.dump()].member = true;
        }
      }
    }
    return s;
  }
  s.member = true;  // a scalar or atomic value changed
  return s;
}

bool ValueAtPath(const Json& obj, const std::vector<std::string>& path, const Json& schema,
                 Json* out) {
  const Json* cur = &obj;
  const Json* s = &schema;
  for (const auto& el : path) {
    if (el.rfind("f:", 0) == 0) {
      std::string key = el.substr(2);
      if (!cur->is_object() || !cur->contains(key)) return false;
      cur = &(*cur)[key];
      s = &PropertySchema(*s, key);
    } else if (el.rfind("k:", 0) == 0) {
      const Json* item = FindItem(*cur, el, MapKeys(*s));
      if (!item) return false;
      cur = item;
      s = &ItemsSchema(*s);
    } else if (el.rfind("v:", 0) == 0) {
      Json v = Json::parse(el.substr(2), nullptr, false);
      if (!cur->is_array() || std::find(cur->begin(), cur->end(), v) == cur->end()) return false;
      *out = v;
      return true;
    } else {
      return false;
    }
  }
  *out = *cur;
  return true;
}

void RemoveFields(Json* obj, const FieldSet& set, const Json& schema) {
  if (obj->is_object()) {
    for (const auto& [el, child] : set.children) {
      if (el.rfind("f:", 0) != 0) continue;
      std::string key = el.substr(2);
      if (!obj->contains(key)) continue;
      Json& v = (*obj)[key];
      const Json& cs = PropertySchema(schema, key);
      if (!child.children.empty()) RemoveFields(&v, child, cs);
      bool emptied = (v.is_object() || v.is_array()) && v.empty() && !child.children.empty();
      if ((child.member && (child.children.empty() || !(v.is_object() || v.is_array()) || v.empty())) ||
          emptied) {
        obj->erase(key);
      }
    }
  } else if (obj->is_array()) {
    std::vector<std::string> keys = MapKeys(schema);
    for (const auto& [el, child] : set.children) {
      if (el.rfind("v:", 0) == 0) {
        Json v = Json::parse(el.substr(2), nullptr, false);
        obj->erase(std::remove(obj->begin(), obj->end(), v), obj->end());
      } else if (el.rfind("k:", 0) == 0) {
        for (auto it = obj->begin(); it != obj->end(); ++it) {
          if (ItemKey(*it, keys) != el) continue;
          if (child.member) {
            obj->erase(it);
          } else {
            RemoveFields(&*it, child, ItemsSchema(schema));
          }
          break;
        }
      }
    }
  }
}

std::string FieldPathString(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& el : path) {
    if (el.rfind("f:", 0) == 0) {
      out += "." + el.substr(2);
    } else if (el.rfind("k:", 0) == 0) {
      Json k = Json::parse(el.substr(2), nullptr, false);
      out += "[";
      bool first = true;
      if (k.is_object()) {
        for (const auto& [name, v] : k.items()) {
          if (!first) out += ",";
          first = false;
          out += name + "=" + v.dump();
        }
      }
      out += "]";
    } else if (el.rfind("v:", 0) == 0) {
      out += "[=" + el.substr(2) + "]";
    } else if (el.rfind("i:", 0) == 0) {
      out += "[" + el.substr(2) + "]";
    }
  }
  return out;
}

}  // namespace pgferry::fakeapi
