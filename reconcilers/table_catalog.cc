#include "reconcilers/table_catalog.h"

#include <cstdlib>

#include "reconcilers/engine_sql.h"

namespace pgferry {

std::vector<std::optional<std::string>> NameParams(const std::vector<const TableInfo*>& tables) {
  std::vector<std::string> schemas, names;
  for (const TableInfo* t : tables) {
    schemas.push_back(t->schema);
    names.push_back(t->name);
  }
  return {TextArrayLiteral(schemas), TextArrayLiteral(names)};
}

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
  ASSIGN_OR_RETURN(auto indexes, source.Query(sql::kTableIndexes, params));
  auto cols_by_table = SplitByPosition(cols, tables.size());
  auto indexes_by_table = SplitByPosition(indexes, tables.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    for (size_t c = 0; c < cols_by_table[i].size(); ++c) {
      plans[i].columns.push_back(cols_by_table[i].Get(c, 0));
      plans[i].binary = plans[i].binary && cols_by_table[i].GetBool(c, 1);
    }
    plans[i].indexes = std::move(indexes_by_table[i]);
  }
  return plans;
}

Result<std::vector<ExistingIndexes>> ReadExistingIndexes(pg::Session& destination,
                                                         const std::vector<const TableInfo*>& tables) {
  std::vector<ExistingIndexes> out(tables.size());
  if (tables.empty()) return out;
  ASSIGN_OR_RETURN(auto rows, destination.Query(sql::kExistingIndexNames, NameParams(tables)));
  auto by_table = SplitByPosition(rows, tables.size());
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t r = 0; r < by_table[i].size(); ++r)
      (by_table[i].Get(r, 0) == "i" ? out[i].indexes : out[i].constraints).insert(by_table[i].Get(r, 1));
  return out;
}

}  // namespace pgferry
