#include "tests/fake-apiserver/managed_fields.h"

#include <algorithm>
#include <map>

#include "tests/fake-apiserver/field_set.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

// The part of an object whose ownership this request's scope tracks.
Json TrackedView(const Json& obj, const FieldManagerScope& scope) {
  if (!obj.is_object()) return Json::object();
  if (scope.subresource == "status") {
    Json v = Json::object();
    if (obj.contains("status")) v["status"] = obj["status"];
    return v;
  }
  Json v = obj;
  v.erase("apiVersion");
  v.erase("kind");
  if (scope.split_status) v.erase("status");
  Json meta = Json::object();
  for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"}) {
    const Json& f = Field(Field(obj, "metadata"), k);
    if (!f.is_null()) meta[k] = f;
  }
  v.erase("metadata");
  if (!meta.empty()) v["metadata"] = meta;
  return v;
}

struct Entry {
  Json json;  // the managedFields entry
  FieldSet set;
};

std::vector<Entry> Entries(const Json& obj) {
  std::vector<Entry> out;
  const Json& mf = Field(Field(obj, "metadata"), "managedFields");
  if (!mf.is_array()) return out;
  for (const auto& e : mf) {
    if (!e.is_object()) continue;
    out.push_back(Entry{e, FieldSet::FromJson(Field(e, "fieldsV1"))});
  }
  return out;
}

bool SameOwner(const Json& e, const std::string& manager, const std::string& operation,
               const std::string& subresource) {
  return StringField(e, "manager") == manager && StringField(e, "operation") == operation &&
         StringField(e, "subresource") == subresource;
}

Json StoreEntries(const std::vector<Entry>& entries) {
  Json out = Json::array();
  for (const auto& e : entries) {
    if (e.set.empty()) continue;
    Json j = e.json;
    j["fieldsType"] = "FieldsV1";
    j["fieldsV1"] = e.set.ToJson();
    out.push_back(j);
  }
  return out;
}

Json NewEntry(const FieldManagerScope& scope, const std::string& operation) {
  Json e = {{"manager", scope.manager},
            {"operation", operation},
            {"apiVersion", scope.api_version},
            {"time", scope.now},
            {"fieldsType", "FieldsV1"}};
  if (!scope.subresource.empty()) e["subresource"] = scope.subresource;
  return e;
}

void SetManagedFields(Json* obj, const Json& entries) {
  Json& meta = EnsureObject(*obj, "metadata");
  if (entries.empty()) {
    meta.erase("managedFields");
  } else {
    meta["managedFields"] = entries;
  }
}

Json MergeApplied(const Json& live, const Json& config, const Json& schema) {
  if (config.is_object() && live.is_object() &&
      StringField(schema, "x-kubernetes-map-type") != "atomic") {
    Json out = live;
    for (auto it = config.begin(); it != config.end(); ++it) {
      if (it.value().is_null()) {
        out.erase(it.key());
      } else {
        out[it.key()] = MergeApplied(out.contains(it.key()) ? out[it.key()] : Json(), it.value(),
                                     PropertySchema(schema, it.key()));
      }
    }
    return out;
  }
  std::string lt = StringField(schema, "x-kubernetes-list-type");
  if (config.is_array() && live.is_array() && lt == "set") {
    Json out = live;
    for (const auto& v : config) {
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
  }
  if (config.is_array() && live.is_array() && lt == "map") {
    const Json& keys = Field(schema, "x-kubernetes-list-map-keys");
    auto same = [&](const Json& a, const Json& b) {
      if (!keys.is_array()) return false;
      for (const auto& k : keys) {
        std::string name = k.get<std::string>();
        if (Field(a, name.c_str()) != Field(b, name.c_str())) return false;
      }
      return true;
    };
    Json out = live;
    for (const auto& item : config) {
      auto it = std::find_if(out.begin(), out.end(), [&](const Json& x) { return same(x, item); });
      if (it == out.end()) {
        out.push_back(item);
      } else {
        *it = MergeApplied(*it, item, ItemsSchema(schema));
      }
    }
    return out;
  }
  return config;
}

const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::string LastApplied(const Json& obj) {
  return StringField(Field(Field(obj, "metadata"), "annotations"), kLastApplied);
}

// Fields of the last-applied configuration whose live value is still the applied one.
FieldSet FieldsFromLastApplied(const Json& live, const FieldManagerScope& scope) {
  Json last = Json::parse(LastApplied(live), nullptr, false);
  if (!last.is_object()) return FieldSet();
  Json last_view = TrackedView(last, scope);
  Json live_view = TrackedView(live, scope);
  FieldSet all = FieldsOf(last_view, scope.schema);
  FieldSet out;
  for (const auto& path : all.MemberPaths()) {
    Json a, b;
    if (!ValueAtPath(last_view, path, scope.schema, &a) ||
        !ValueAtPath(live_view, path, scope.schema, &b) || a != b) {
      continue;
    }
    FieldSet* node = &out;
    for (const auto& el : path) node = &node->children[el];
    node->member = true;
  }
  return out;
}

std::string PrintManager(const Json& entry) {
  std::string s = GoQuote(StringField(entry, "manager"));
  std::string sub = StringField(entry, "subresource");
  if (!sub.empty()) s += " with subresource " + GoQuote(sub);
  if (StringField(entry, "operation") == "Update") {
    s += " using " + StringField(entry, "apiVersion");
    std::string t = StringField(entry, "time");
    if (!t.empty()) s += " at " + t;
  }
  return s;
}

}  // namespace

void RecordUpdate(const Json* old, Json* updated, const FieldManagerScope& scope) {
  static const Json kNone;
  const Json sent = Field(Field(*updated, "metadata"), "managedFields");
  const Json& before = old ? Field(Field(*old, "metadata"), "managedFields") : kNone;
  if (sent.is_array() && sent.size() == 1 && sent[0].is_object() && sent[0].empty()) {
    SetManagedFields(updated, Json::array());  // "[{}]" resets ownership
    return;
  }
  if (sent.is_array() && !sent.empty() && sent != before) return;  // set explicitly: keep as sent
  if (old && !before.is_null()) (*updated)["metadata"]["managedFields"] = before;

  Json old_view = old ? TrackedView(*old, scope) : Json();
  Json new_view = TrackedView(*updated, scope);
  FieldSet removed;
  FieldSet changed = ChangedFields(old ? old_view : Json(), new_view, scope.schema, &removed);
  if (changed.empty() && removed.empty()) return;
  std::vector<Entry> entries = old ? Entries(*old) : std::vector<Entry>{};
  bool found = false;
  for (auto& e : entries) {
    if (SameOwner(e.json, scope.manager, "Update", scope.subresource)) {
      e.set = e.set.Union(changed).Minus(removed);
      e.json["time"] = scope.now;
      e.json["apiVersion"] = scope.api_version;
      found = true;
    } else {
      e.set = e.set.Minus(changed).Minus(removed);
    }
  }
  if (!found) entries.push_back(Entry{NewEntry(scope, "Update"), changed.Minus(removed)});
  SetManagedFields(updated, StoreEntries(entries));
}

bool ApplyConfiguration(const Json* live, const Json& config, bool force,
                        const FieldManagerScope& scope, const std::string& resource,
                        const std::string& group, Json* result, ApiError* error) {
  Json cfg_view = TrackedView(config, scope);
  FieldSet applied = FieldsOf(cfg_view, scope.schema);
  applied.member = false;
  std::vector<Entry> entries = live ? Entries(*live) : std::vector<Entry>{};
  Json live_view = live ? TrackedView(*live, scope) : Json::object();

  // Conflicts: fields this apply sets to a different value than another manager owns.
  struct Conflict {
    size_t entry;
    std::vector<std::string> path;
  };
  std::vector<Conflict> conflicts;
  FieldSet previous;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    if (SameOwner(e.json, scope.manager, "Apply", scope.subresource)) {
      previous = e.set;
      continue;
    }
    for (const auto& path : e.set.Intersect(applied).MemberPaths()) {
      if (!path.empty() && path.back().rfind("k:", 0) == 0) continue;
      Json want, have;
      bool has_want = ValueAtPath(cfg_view, path, scope.schema, &want);
      bool has_have = ValueAtPath(live_view, path, scope.schema, &have);
      if (has_want != has_have || want != have) conflicts.push_back(Conflict{i, path});
    }
  }
  // kubectl's first server-side apply of an object it created with client-side apply may take
  // over the fields recorded in the last-applied annotation (apiserver's lastAppliedManager).
  if (!conflicts.empty() && !force && scope.manager == "kubectl" && live &&
      scope.subresource.empty()) {
    FieldSet allowed = FieldsFromLastApplied(*live, scope);
    bool all_allowed = true;
    for (const auto& c : conflicts) {
      FieldSet one;
      FieldSet* node = &one;
      for (const auto& el : c.path) node = &node->children[el];
      node->member = true;
      all_allowed = all_allowed && one.Minus(allowed).empty();
    }
    if (all_allowed) force = true;
  }
  if (!conflicts.empty() && !force) {
    Json causes = Json::array();
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const auto& c : conflicts) {
      std::string who = PrintManager(entries[c.entry].json);
      causes.push_back({{"reason", "FieldManagerConflict"},
                        {"message", "conflict with " + who},
                        {"field", FieldPathString(c.path)}});
      by_manager[who].push_back(FieldPathString(c.path));
    }
    std::string message;
    if (conflicts.size() == 1) {
      message = "Apply failed with 1 conflict: conflict with " + by_manager.begin()->first + ": " +
                by_manager.begin()->second[0];
    } else {
      message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
      bool first = true;
      for (const auto& [who, paths] : by_manager) {
        if (!first) message += "\n";
        first = false;
        message += "conflicts with " + who + ":";
        for (const auto& p : paths) message += "\n- " + p;
      }
    }
    error->code = 409;
    error->reason = "Conflict";
    error->message = message;
    error->details = {{"causes", causes}};
    (void)resource;
    (void)group;
    return false;
  }
  for (const auto& c : conflicts) {  // forced: ownership moves to the applier
    FieldSet one;
    FieldSet* node = &one;
    for (const auto& el : c.path) node = &node->children[el];
    node->member = true;
    entries[c.entry].set = entries[c.entry].set.Minus(one);
  }

  // Merge the applied configuration into the live object.
  Json merged = live ? *live : Json::object();
  Json cfg = config;
  if (scope.subresource == "status") {
    merged["status"] = MergeApplied(Field(merged, "status"), Field(cfg, "status"),
                                    PropertySchema(scope.schema, "status"));
  } else {
    if (scope.split_status) cfg.erase("status");
    Json cfg_meta = Field(cfg, "metadata");
    cfg.erase("metadata");
    merged = MergeApplied(merged, cfg, scope.schema);
    Json& meta = EnsureObject(merged, "metadata");
    const Json& meta_schema = PropertySchema(scope.schema, "metadata");
    for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"}) {
      if (cfg_meta.is_object() && cfg_meta.contains(k)) {
        meta[k] = MergeApplied(Field(meta, k), cfg_meta[k], PropertySchema(meta_schema, k));
      }
    }
    if (!live && cfg_meta.is_object()) {
      for (const char* k : {"name", "generateName", "namespace"}) {
        if (cfg_meta.contains(k)) meta[k] = cfg_meta[k];
      }
    }
  }

  // Fields this manager applied before but no longer sends, and nobody else owns, go away.
  FieldSet others;
  for (const auto& e : entries) {
    if (!SameOwner(e.json, scope.manager, "Apply", scope.subresource)) others = others.Union(e.set);
  }
  FieldSet keep = applied.Union(others);
  RemoveFields(&merged, previous.Minus(keep).WithoutAncestorsOf(keep), scope.schema);

  // apiserver's lastAppliedUpdater: kubectl's applies keep an existing last-applied annotation
  // in step with the applied configuration, so a later client-side apply diffs correctly.
  if (scope.manager == "kubectl" && live && scope.subresource.empty() &&
      !LastApplied(*live).empty()) {
    Json applied_obj = config;
    Json& annotations = EnsureObject(EnsureObject(applied_obj, "metadata"), "annotations");
    annotations.erase(kLastApplied);
    if (annotations.empty()) applied_obj["metadata"].erase("annotations");
    EnsureObject(EnsureObject(merged, "metadata"), "annotations")[kLastApplied] =
        applied_obj.dump() + "\n";
  }

  bool found = false;
  for (auto& e : entries) {
    if (SameOwner(e.json, scope.manager, "Apply", scope.subresource)) {
      e.set = applied;
      e.json["time"] = scope.now;
      e.json["apiVersion"] = scope.api_version;
      found = true;
    }
  }
  if (!found) entries.push_back(Entry{NewEntry(scope, "Apply"), applied});
  SetManagedFields(&merged, StoreEntries(entries));
  *result = merged;
  return true;
}

}  // namespace pgferry::fakeapi
