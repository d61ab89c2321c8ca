#include "reconcilers/table_catalog.h"

#include <cstdlib>

#include "reconcilers/engine_sql.h"

namespace pgferry {
namespace {

std::vector<std::optional<std::string>> NameParams(const std::vector<const TableInfo*>& tables) {
  std::vector<std::string> schemas, names;
  for (const TableInfo* t : tables) {
    schemas.push_back(t->schema);
    names.push_back(t->name);
  }
  return {TextArrayLiteral(schemas), TextArrayLiteral(names)};
}

}  // namespace

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::vector<pg::QueryResult> SplitByPosition(const pg::QueryResult& rows, size_t n) {
  std::vector<std::string> columns(rows.columns().begin() + (rows.columns().empty() ? 0 : 1),
                                   rows.columns().end());
  std::vector<std::vector<std::vector<std::optional<std::string>>>> parts(n);
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t at = std::strtoull(rows.Get(i, 0).c_str(), nullptr, 10);
    if (at < 1 || at > n) continue;
    std::vector<std::optional<std::string>> row;
    for (size_t c = 1; c < rows.columns().size(); ++c) row.push_back(rows.GetOpt(i, c));
    parts[at - 1].push_back(std::move(row));
  }
  std::vector<pg::QueryResult> out;
  out.reserve(n);
  for (auto& p : parts) out.emplace_back(columns, std::move(p));
  return out;
}

Result<std::vector<TableCopyPlan>> ReadCopyPlans(pg::Session& source, const std::vector<const TableInfo*>& tables) {
  std::vector<TableCopyPlan> plans(tables.size());
  if (tables.empty()) return plans;
  auto params = NameParams(tables);
  ASSIGN_OR_RETURN(auto cols, source.Query(sql::kCopyColumns, params));
  for (size_t i = 0; i < cols.size(); ++i) {
    size_t at = std::strtoull(cols.Get(i, 0).c_str(), nullptr, 10);
    if (at < 1 || at > plans.size()) continue;
    plans[at - 1].columns.push_back(cols.Get(i, 1));
    plans[at - 1].binary = plans[at - 1].binary && cols.GetBool(i, 2);
  }
  ASSIGN_OR_RETURN(auto indexes, source.Query(sql::kTableIndexes, params));
  auto split = SplitByPosition(indexes, tables.size());
  for (size_t i = 0; i < plans.size(); ++i) plans[i].indexes = std::move(split[i]);
  return plans;
}

Result<std::vector<ExistingIndexes>> ReadExistingIndexes(pg::Session& destination,
                                                         const std::vector<const TableInfo*>& tables) {
  std::vector<ExistingIndexes> out(tables.size());
  if (tables.empty()) return out;
  ASSIGN_OR_RETURN(auto rows, destination.Query(sql::kExistingIndexNames, NameParams(tables)));
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t at = std::strtoull(rows.Get(i, 0).c_str(), nullptr, 10);
    if (at < 1 || at > out.size()) continue;
    (rows.Get(i, 1) == "i" ? out[at - 1].indexes : out[at - 1].constraints).insert(rows.Get(i, 2));
  }
  return out;
}

}  // namespace pgferry
