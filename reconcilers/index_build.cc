#include "reconcilers/index_build.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <sstream>

#include "reconcilers/engine_sql.h"

namespace pgferry {
namespace {

// kTableIndexes columns.
enum Col {
  kIndexOid, kIndexName, kIndexNameQuoted, kIndexDef, kConstraintOid, kConstraintName,
  kConstraintType, kDeferrable, kDeferred, kPostData, kEligible
};

}  // namespace

std::string IndexBuild::CatalogId() const {
  return constraint_oid.empty() ? "1259:" + index_oid : "2606:" + constraint_oid;
}

std::string IndexStateKey(const TableInfo& t) { return "indexes:" + t.schema + "." + t.name; }

std::vector<IndexBuild> PlanIndexBuilds(const pg::QueryResult& rows, const std::string& qualified_table,
                                        const std::function<std::string(const std::string&)>& quote) {
  std::vector<IndexBuild> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows.GetBool(i, kEligible) || rows.GetBool(i, kPostData)) continue;
    const std::string& type = rows.Get(i, kConstraintType);
    IndexBuild b;
    b.index_oid = rows.Get(i, kIndexOid);
    b.name = rows.Get(i, kIndexName);
    b.create_sql = rows.Get(i, kIndexDef);
    if (type.empty()) {
      out.push_back(std::move(b));
      continue;
    }
    if (type != "p" && type != "u") continue;  // exclusion constraints: pg_restore
    // pg_get_indexdef starts "CREATE UNIQUE INDEX <name> ON "; the constraint's name wins.
    const std::string prefix = "CREATE UNIQUE INDEX " + rows.Get(i, kIndexNameQuoted) + " ON ";
    if (b.create_sql.rfind(prefix, 0) != 0) continue;
    b.name = rows.Get(i, kConstraintName);
    b.constraint_oid = rows.Get(i, kConstraintOid);
    b.create_sql = "CREATE UNIQUE INDEX " + quote(b.name) + b.create_sql.substr(prefix.size() - 4);
    b.constraint_sql = "ALTER TABLE ONLY " + qualified_table + " ADD CONSTRAINT " + quote(b.name) +
                       (type == "p" ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " + quote(b.name);
    if (rows.GetBool(i, kDeferrable))
      b.constraint_sql += rows.GetBool(i, kDeferred) ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
    out.push_back(std::move(b));
  }
  return out;
}

TableIndexWork PlanTableIndexWork(const pg::QueryResult& rows, const ExistingIndexes& existing,
                                  const std::string& qualified_table,
                                  const std::function<std::string(const std::string&)>& quote) {
  auto builds = PlanIndexBuilds(rows, qualified_table, quote);
  TableIndexWork work;
  work.result.all_built = builds.size() == rows.size();
  std::string& value = work.result.state_value;
  for (const auto& b : builds) {
    value += (value.empty() ? "" : ",") + b.CatalogId();
    if (!existing.indexes.count(b.name)) work.statements.emplace_back("index " + b.name, b.create_sql);
    if (!b.constraint_sql.empty() && !existing.constraints.count(b.name))
      work.statements.emplace_back("constraint " + b.name, b.constraint_sql);
  }
  return work;
}

Result<TableIndexResult> BuildTableIndexes(pg::Session& destination, const TableInfo& t,
                                           const pg::QueryResult& rows, const ExistingIndexes& existing,
                                           const std::string& migration_id) {
  std::string qd = Qualified(destination, t);
  auto work = PlanTableIndexWork(rows, existing, qd, [&](const std::string& n) { return destination.QuoteIdent(n); });
  RETURN_IF_ERROR(destination.Exec("BEGIN"));
  auto run = [&]() -> Status {
    for (const auto& [label, stmt] : work.statements) RETURN_IF_ERROR(destination.Exec(stmt).Prefixed(label));
    RETURN_IF_ERROR(destination.Exec("ANALYZE " + qd));
    if (!migration_id.empty())
      RETURN_IF_ERROR(
          destination.Query(sql::kWriteState, {migration_id, IndexStateKey(t), work.result.state_value}).status());
    return destination.Exec("COMMIT");
  };
  Status st = run();
  if (!st.ok()) {
    (void)destination.Exec("ROLLBACK");
    return st;
  }
  return work.result;
}

std::set<std::pair<uint32_t, uint32_t>> BuiltCatalogIds(const std::vector<std::string>& state_values) {
  std::set<std::pair<uint32_t, uint32_t>> out;
  for (const auto& v : state_values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      size_t colon = item.find(':');
      if (colon == std::string::npos) continue;
      out.insert({static_cast<uint32_t>(std::strtoul(item.substr(0, colon).c_str(), nullptr, 10)),
                  static_cast<uint32_t>(std::strtoul(item.substr(colon + 1).c_str(), nullptr, 10))});
    }
  }
  return out;
}

Result<std::set<std::pair<uint32_t, uint32_t>>> PresentOnDestination(pg::Session& source,
                                                                     pg::Session& destination) {
  ASSIGN_OR_RETURN(auto src, source.Query(sql::kPostDataObjects));
  ASSIGN_OR_RETURN(auto dst, destination.Query(sql::kPostDataObjects));
  auto key = [](const pg::QueryResult& r, size_t i) {
    return r.Get(i, 2) + '\0' + r.Get(i, 3) + '\0' + r.Get(i, 4) + '\0' + r.Get(i, 5);
  };
  std::set<std::string> present;
  for (size_t i = 0; i < dst.size(); ++i) present.insert(key(dst, i));
  std::set<std::pair<uint32_t, uint32_t>> out;
  for (size_t i = 0; i < src.size(); ++i)
    if (present.count(key(src, i)))
      out.insert({static_cast<uint32_t>(std::strtoul(src.Get(i, 0).c_str(), nullptr, 10)),
                  static_cast<uint32_t>(std::strtoul(src.Get(i, 1).c_str(), nullptr, 10))});
  return out;
}

std::vector<std::string> ApplyBulkLoadSettings(pg::Session& destination, int parallel_maintenance_workers) {
  std::vector<std::string> refused;
  std::vector<const char*> stmts(std::begin(sql::kBulkLoadSettings), std::end(sql::kBulkLoadSettings));
  stmts.insert(stmts.end(), std::begin(sql::kNoTimeoutSettings), std::end(sql::kNoTimeoutSettings));
  for (const char* stmt : stmts) {
    Status st = destination.Query(stmt).status();
    if (!st.ok()) refused.push_back(st.message());
  }
  Status st = destination.Query(sql::kRaiseMaintenanceWorkMem, {"512MB"}).status();
  if (!st.ok()) refused.push_back(st.message());
  st = destination.Query(sql::kSetParallelMaintenanceWorkers,
                         {std::to_string(std::max(0, parallel_maintenance_workers))}).status();
  if (!st.ok()) refused.push_back(st.message());
  return refused;
}

}  // namespace pgferry
