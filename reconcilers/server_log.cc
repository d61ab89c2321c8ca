#include "reconcilers/server_log.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

namespace pgferry {
namespace {

// The text after `before` in `line` up to the first of `ends` found after it ("" when absent).
// Names are written unquoted inside the quotes, so a name's own `"` cannot end it early when a
// longer end marker is given.
std::string Between(std::string_view line, std::string_view before, std::initializer_list<std::string_view> ends) {
  size_t at = line.find(before);
  if (at == std::string_view::npos) return "";
  at += before.size();
  size_t end = std::string_view::npos;
  for (std::string_view e : ends) end = std::min(end, line.find(e, at));
  return end == std::string_view::npos ? "" : std::string(line.substr(at, end - at));
}

}  // namespace

std::string SubscriptionApplyError(std::string_view log, const std::string& subscription_oid) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < log.size();) {
    size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  // The apply worker's origin is pg_<oid>; a table sync worker applying the changes that arrived
  // during its table's copy uses pg_<oid>_<table oid>.
  const std::string origin = "CONTEXT:  processing remote data for replication origin \"pg_" + subscription_oid;
  for (size_t i = lines.size(); i-- > 0;) {
    size_t at = lines[i].find(origin);
    if (at == std::string_view::npos) continue;
    const size_t after = at + origin.size();
    if (after >= lines[i].size() || (lines[i][after] != '"' && lines[i][after] != '_')) continue;
    const std::string_view prefix = lines[i].substr(0, at);
    // The report's ERROR line comes a few lines before (DETAIL, HINT between).
    for (size_t j = i; j-- > 0 && i - j <= 20;) {
      if (lines[j].substr(0, prefix.size()) != prefix) continue;
      std::string_view rest = lines[j].substr(prefix.size());
      if (rest.substr(0, 8) != "ERROR:  ") continue;
      std::string message(rest.substr(8));
      std::string type = Between(lines[i], "during message type \"", {"\""});
      // PostgreSQL 15: ... relation "schema.table" in transaction N ..., or ... relation
      // "schema.table" column "c" in transaction N ...
      std::string relation = Between(lines[i], "for replication target relation \"",
                                     {"\" in transaction", "\" column \""});
      if (!type.empty() && !relation.empty()) message += " (applying " + type + " to " + relation + ")";
      else if (!type.empty()) message += " (applying " + type + ")";
      return message;
    }
  }
  return "";
}

}  // namespace pgferry
