// Table names as users write them in `spec.tables` ("table", "schema.table", "db.schema.table").
//
// ParseTableName follows PostgreSQL's parse_ident(): unquoted parts are folded to lower case
// (ASCII only) and may hold letters, digits, '_', '$' and non-ASCII bytes (not a leading digit);
// double-quoted parts keep case and may hold anything, `""` standing for one `"`; whitespace
// around a part is ignored. Names are stored normalised, so matching is exact comparison.
// Plain values and pure functions: thread-safe.
#pragma once

#include <optional>
#include <string>

#include "operator/common/status.h"

namespace pgferry::api {

struct TableName {
  std::optional<std::string> db;
  std::optional<std::string> schema;
  std::string table;

  // The name written back in the form ParseTableName reads, quoting parts that need it.
  std::string ToString() const;

  bool operator==(const TableName&) const = default;
};

// Errors are kInvalidArgument with a message naming the input, e.g.
// `more than two dots in "a.b.c.d"`; callers prefix the field path.
Result<TableName> ParseTableName(const std::string& text);

// True when the table `db`.`schema`.`table` is selected by `pattern`; the pattern's db and
// schema are compared only when it has them. Arguments are actual (case-exact) names.
bool Matches(const TableName& pattern, const std::string& db, const std::string& schema,
             const std::string& table);

// `ident` as written in a table name: unchanged when it reads back the same unquoted,
// otherwise in double quotes with `"` doubled.
std::string QuoteNamePart(const std::string& ident);

}  // namespace pgferry::api
