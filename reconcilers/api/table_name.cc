#include "reconcilers/api/table_name.h"

#include <vector>

namespace pgferry::api {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsHighBit(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsAsciiAlpha(c) || c == '_' || IsHighBit(c); }
bool IsIdentCont(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

Result<TableName> ParseTableName(const std::string& text) {
  std::vector<std::string> parts;
  size_t i = 0;
  const size_t n = text.size();
  auto skip_space = [&] {
    while (i < n && IsSpace(text[i])) ++i;
  };
  if (text.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
    return InvalidArgument("empty table name");
  }
  while (true) {
    skip_space();
    std::string part;
    if (i < n && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            part += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        part += text[i++];
      }
      if (!closed) return InvalidArgument("unclosed double quote in " + Quoted(text));
      if (part.empty()) return InvalidArgument("empty quoted name in " + Quoted(text));
    } else if (i < n && IsIdentStart(text[i])) {
      while (i < n && IsIdentCont(text[i])) {
        char c = text[i++];
        part += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
    } else if (i == n || text[i] == '.') {
      return InvalidArgument("empty name part in " + Quoted(text));
    } else {
      return InvalidArgument("invalid character '" + std::string(1, text[i]) + "' in " +
                             Quoted(text) + " (write the part in double quotes)");
    }
    parts.push_back(std::move(part));
    const size_t part_end = i;
    skip_space();
    if (i == n) break;
    if (text[i] != '.') {
      std::string what = i > part_end ? "space inside a name"
                                      : "invalid character '" + std::string(1, text[i]) + "'";
      return InvalidArgument(what + " in " + Quoted(text) + " (write the part in double quotes)");
    }
    ++i;
    if (parts.size() == 3) return InvalidArgument("more than two dots in " + Quoted(text));
  }

  TableName name;
  name.table = parts.back();
  if (parts.size() >= 2) name.schema = parts[parts.size() - 2];
  if (parts.size() == 3) name.db = parts[0];
  return name;
}

std::string QuoteNamePart(const std::string& ident) {
  bool plain = !ident.empty() && IsIdentStart(ident[0]);
  for (char c : ident) {
    if (!IsIdentCont(c) || (c >= 'A' && c <= 'Z')) plain = false;
  }
  if (plain) return ident;
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string TableName::ToString() const {
  std::string out;
  if (db) out += QuoteNamePart(*db) + ".";
  if (schema) out += QuoteNamePart(*schema) + ".";
  return out + QuoteNamePart(table);
}

bool Matches(const TableName& pattern, const std::string& db, const std::string& schema,
             const std::string& table) {
  if (pattern.db && *pattern.db != db) return false;
  if (pattern.schema && *pattern.schema != schema) return false;
  return pattern.table == table;
}

}  // namespace pgferry::api
