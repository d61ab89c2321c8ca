// SQLSTATE classification: maps a server's five-character error code to a StatusCode so that
// callers decide between fallback (privileges), retry (connection) and failure without matching
// message text. Pure functions, thread-safe.
#pragma once

#include <string>

#include "operator/common/status.h"

namespace pgferry::pg {

inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kDuplicateObject = "42710";
inline constexpr const char* kDuplicateDatabase = "42P04";
inline constexpr const char* kUndefinedObject = "42704";
inline constexpr const char* kUndefinedTable = "42P01";
inline constexpr const char* kInvalidPassword = "28P01";
inline constexpr const char* kInvalidAuthorization = "28000";
inline constexpr const char* kInvalidCatalogName = "3D000";  // database does not exist
inline constexpr const char* kObjectInUse = "55006";
inline constexpr const char* kUniqueViolation = "23505";

StatusCode ClassifySqlState(const std::string& sqlstate);

// A Status for a server error: code from the SQLSTATE, message = primary message, detail = SQLSTATE.
Status ServerError(const std::string& sqlstate, const std::string& message);

// True when `status` came from the server with this SQLSTATE.
inline bool HasSqlState(const Status& status, const char* sqlstate) {
  return !status.ok() && status.detail() == sqlstate;
}

}  // namespace pgferry::pg
