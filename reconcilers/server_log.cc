#include "reconcilers/server_log.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <vector>

#include <nlohmann/json.hpp>

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

// The lines of `text` (without their '\n'; a last line without one counts).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The message of the ERROR line of the report that `lines[i]` (from column `at`) belongs to:
// the nearest line before it with the same prefix (DETAIL, HINT between), "" when none.
std::string ErrorOfReport(const std::vector<std::string_view>& lines, size_t i, size_t at) {
  const std::string_view prefix = lines[i].substr(0, at);
  for (size_t j = i; j-- > 0 && i - j <= 20;) {
    if (!lines[j].starts_with(prefix)) continue;
    std::string_view rest = lines[j].substr(prefix.size());
    if (rest.starts_with("ERROR:  ")) return std::string(rest.substr(8));
  }
  return "";
}

// The report as stderr lines: its message line, then one CONTEXT line per line of its context.
std::string StderrReport(const std::string& time, const std::string& pid, const std::string& severity,
                         const std::string& message, const std::string& context) {
  if (severity.empty() || message.empty()) return "";
  const std::string prefix = time + " [" + pid + "] ";
  std::string flat = message;
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  std::string out = prefix + severity + ":  " + flat + "\n";
  for (std::string_view line : Lines(context))
    if (!line.empty()) out += prefix + "CONTEXT:  " + std::string(line) + "\n";
  return out;
}

// Whether `s` at `at` starts like a csvlog record: "YYYY-MM-DD hh:mm:ss".
bool StartsWithTimestamp(std::string_view s, size_t at) {
  static constexpr std::string_view kShape = "dddd-dd-dd dd:dd:dd";
  if (s.size() - at < kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = s[at + i];
    if (kShape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(c)) : c != kShape[i]) return false;
  }
  return true;
}

std::string CsvLogAsStderr(std::string_view log) {
  // From the first line that starts a record.
  size_t at = 0;
  while (at < log.size() && !StartsWithTimestamp(log, at)) {
    size_t nl = log.find('\n', at);
    if (nl == std::string_view::npos) return "";
    at = nl + 1;
  }
  std::string out;
  std::vector<std::string> fields(1);
  bool quoted = false;
  auto end_record = [&] {
    // log_time, user, database, pid, connection_from, session_id, session_line_num, command_tag,
    // session_start, vxid, txid, severity (11), sql state, message (13), detail, hint,
    // internal_query, internal_query_pos, context (18), ...
    if (fields.size() > 18) out += StderrReport(fields[0], fields[3], fields[11], fields[13], fields[18]);
    fields.assign(1, "");
  };
  for (; at < log.size(); ++at) {
    const char c = log[at];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (at + 1 < log.size() && log[at + 1] == '"') {
        fields.back() += '"';
        ++at;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      end_record();
    } else {
      fields.back() += c;
    }
  }
  if (!quoted) end_record();  // a last record cut short in a quoted field is left out
  return out;
}

std::string JsonLogAsStderr(std::string_view log) {
  std::string out;
  for (std::string_view line : Lines(log)) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_object()) continue;
    auto text = [&](const char* key) {
      auto it = record.find(key);
      if (it == record.end()) return std::string();
      return it->is_string() ? it->get<std::string>() : it->dump();
    };
    out += StderrReport(text("timestamp"), text("pid"), text("error_severity"), text("message"), text("context"));
  }
  return out;
}

}  // namespace

std::string LogAsStderr(std::string_view log, std::string_view format) {
  if (format == "csvlog") return CsvLogAsStderr(log);
  if (format == "jsonlog") return JsonLogAsStderr(log);
  return std::string(log);
}

std::string SubscriptionError(std::string_view log, const SubscriptionInLog& subscription) {
  const std::vector<std::string_view> lines = Lines(log);
  // Where each of this subscription's table sync workers started: (line, table name).
  const std::string started = "logical replication table synchronization worker for subscription \"" +
                              subscription.name + "\", table \"";
  std::vector<std::pair<size_t, std::string_view>> syncs;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t at = lines[i].find(started);
    if (at == std::string_view::npos) continue;
    std::string_view table = lines[i].substr(at + started.size());
    size_t end = table.rfind("\" has started");
    if (end != std::string_view::npos) syncs.emplace_back(i, table.substr(0, end));
  }
  // A table sync worker of this subscription started on `table` before line `i`.
  auto synced_before = [&](size_t i, auto&& matches) {
    for (const auto& [line, table] : syncs)
      if (line < i && matches(table)) return true;
    return false;
  };
  auto qualified = [&](std::string_view table) {
    std::string found;
    int n = 0;
    for (const auto& [schema, name] : subscription.tables)
      if (name == table) found = schema + "." + name, ++n;
    return n == 1 ? found : std::string(table);
  };

  // The apply worker's origin is pg_<oid>; a table sync worker applying the changes that arrived
  // during its table's copy uses pg_<oid>_<table oid>.
  const std::string origin = "CONTEXT:  processing remote data for replication origin \"pg_" + subscription.oid;
  const std::string copy_context = "CONTEXT:  COPY ";
  const std::string copy_start = "ERROR:  could not start initial contents copy for table \"";
  for (size_t i = lines.size(); i-- > 0;) {
    const std::string_view line = lines[i];
    if (size_t at = line.find(origin); at != std::string_view::npos) {
      const size_t after = at + origin.size();
      if (after >= line.size() || (line[after] != '"' && line[after] != '_')) continue;
      std::string message = ErrorOfReport(lines, i, at);
      if (message.empty()) continue;
      std::string type = Between(line, "during message type \"", {"\""});
      // PostgreSQL 15: ... relation "schema.table" in transaction N ..., or ... relation
      // "schema.table" column "c" in transaction N ...
      std::string relation = Between(line, "for replication target relation \"", {"\" in transaction", "\" column \""});
      if (!type.empty() && !relation.empty()) message += " (applying " + type + " to " + relation + ")";
      else if (!type.empty()) message += " (applying " + type + ")";
      return message;
    }
    // A sync worker's copy into the table: "COPY <table>, line N: ..." (the rest is the row).
    if (size_t at = line.find(copy_context); at != std::string_view::npos && !syncs.empty()) {
      std::string_view rest = line.substr(at + copy_context.size());
      std::string_view table;
      bool ours = synced_before(i, [&](std::string_view t) {
        if (!rest.starts_with(std::string(t) + ", line ")) return false;
        table = t;
        return true;
      });
      if (!ours) continue;
      std::string message = ErrorOfReport(lines, i, at);
      if (!message.empty()) return message + " (copying " + qualified(table) + ")";
      continue;
    }
    // A sync worker that could not read its table on the source: the message names the table
    // ("schema.table") and carries the source's error.
    if (size_t at = line.find(copy_start); at != std::string_view::npos && !syncs.empty()) {
      std::string_view rest = line.substr(at + copy_start.size());
      bool ours = synced_before(i, [&](std::string_view t) {
        size_t end = rest.find("\": ");
        while (end != std::string_view::npos) {
          std::string_view named = rest.substr(0, end);
          if (named.size() > t.size() && named.substr(named.size() - t.size()) == t &&
              named[named.size() - t.size() - 1] == '.')
            return true;
          end = rest.find("\": ", end + 1);
        }
        return false;
      });
      if (ours) return std::string(line.substr(at + 8));
    }
  }
  return "";
}

}  // namespace pgferry
