#include "reconcilers/selection.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconcilers/api/table_name.h"

namespace pgferry {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<api::TableName> Parse(const std::vector<std::string>& names) {
  std::vector<api::TableName> out;
  for (const auto& n : names) {
    auto parsed = api::ParseTableName(n);
    if (parsed.ok()) out.push_back(*parsed);  // validated when the manifest was loaded
  }
  return out;
}

bool AnyMatches(const std::vector<api::TableName>& patterns, const std::string& db,
                const TableInfo& t) {
  for (const auto& p : patterns)
    if (api::Matches(p, db, t.schema, t.name)) return true;
  return false;
}

}  // namespace

DatabaseSelection SelectDatabases(const api::MigrationSpec& spec, const ServerInventory& source) {
  DatabaseSelection sel;
  for (const auto& d : source.databases) {
    if (d.is_template) continue;
    if (Contains(spec.databases.exclude, d.name)) continue;
    if (!spec.databases.include.empty() && !Contains(spec.databases.include, d.name)) continue;
    if (!d.allow_connections) {
      sel.notes.push_back("database \"" + d.name + "\" skipped: it allows no connections");
      continue;
    }
    sel.selected.push_back(d.name);
  }
  for (const auto& inc : spec.databases.include)
    if (!source.HasDatabase(inc))
      sel.notes.push_back("database \"" + inc + "\" in spec.databases.include is not on the source");
  return sel;
}

bool SelectsAllTables(const api::MigrationSpec& spec) {
  return spec.tables.include.empty() && spec.tables.exclude.empty() &&
         spec.replicateExtensionTables;
}

std::vector<TableInfo> SelectTables(const api::MigrationSpec& spec, const std::string& db,
                                    const std::vector<TableInfo>& tables) {
  auto include = Parse(spec.tables.include);
  auto exclude = Parse(spec.tables.exclude);
  std::map<std::string, const TableInfo*> by_name;
  for (const auto& t : tables) by_name[t.Qualified()] = &t;
  // A partition's ancestors, nearest first (the partitioned tables above it).
  auto ancestors = [&](const TableInfo& t) {
    std::vector<const TableInfo*> out;
    const TableInfo* cur = &t;
    while (cur->is_partition && !cur->parent_name.empty() && out.size() < 64) {
      auto it = by_name.find(cur->parent_schema + "." + cur->parent_name);
      if (it == by_name.end()) break;
      cur = it->second;
      out.push_back(cur);
    }
    return out;
  };
  // A table is wanted when it, or a partitioned table above it, is included (or nothing is
  // named), and neither it nor a table above it is excluded.
  std::set<std::string> wanted;
  for (const auto& t : tables) {
    auto up = ancestors(t);
    bool included = include.empty() || AnyMatches(include, db, t);
    bool excluded = AnyMatches(exclude, db, t);
    for (const TableInfo* a : up) {
      included = included || AnyMatches(include, db, *a);
      excluded = excluded || AnyMatches(exclude, db, *a);
    }
    if (!included || excluded) continue;
    if (!spec.replicateExtensionTables && !t.extension.empty()) continue;
    wanted.insert(t.Qualified());
  }
  // A partitioned table carries its partitions' rows (publish_via_partition_root) only when all
  // of them are wanted; otherwise its wanted partitions go on their own.
  std::set<std::string> split;
  for (const auto& t : tables) {
    if (wanted.count(t.Qualified())) continue;
    for (const TableInfo* a : ancestors(t)) split.insert(a->Qualified());
  }
  std::vector<TableInfo> out;
  for (const auto& t : tables) {
    const std::string q = t.Qualified();
    if (!wanted.count(q) || split.count(q)) continue;
    bool carried = false;
    for (const TableInfo* a : ancestors(t))
      carried = carried || (wanted.count(a->Qualified()) && !split.count(a->Qualified()));
    if (carried) continue;  // copied and published through a partitioned table above it
    out.push_back(t);
  }
  return out;
}

}  // namespace pgferry
