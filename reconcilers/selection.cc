#include "reconcilers/selection.h"

#include <algorithm>

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
  std::vector<TableInfo> out;
  for (const auto& t : tables) {
    if (t.is_partition) continue;  // copied and published through its partitioned root
    if (!include.empty() && !AnyMatches(include, db, t)) continue;
    if (AnyMatches(exclude, db, t)) continue;
    if (!spec.replicateExtensionTables && !t.extension.empty()) continue;
    out.push_back(t);
  }
  return out;
}

}  // namespace pgferry
