#include "operator/pg/sqlstate.h"

namespace pgferry::pg {

StatusCode ClassifySqlState(const std::string& s) {
  if (s.size() != 5) return StatusCode::kInternal;
  if (s == kInsufficientPrivilege) return StatusCode::kPermissionDenied;
  if (s == kInvalidPassword || s == kInvalidAuthorization) return StatusCode::kUnauthenticated;
  if (s == kDuplicateObject || s == kDuplicateDatabase || s == "42P07" || s == "42723" ||
      s == "42P06")
    return StatusCode::kAlreadyExists;
  if (s == kUndefinedObject || s == kUndefinedTable || s == kInvalidCatalogName || s == "42883" ||
      s == "3F000")
    return StatusCode::kNotFound;
  std::string cls = s.substr(0, 2);
  if (cls == "08") return StatusCode::kUnavailable;         // connection exception
  if (cls == "57") {                                        // operator intervention
    if (s == "57014") return StatusCode::kAborted;          // query_canceled
    return StatusCode::kUnavailable;                        // admin shutdown, cannot connect now
  }
  if (cls == "53") return StatusCode::kFailedPrecondition;  // insufficient resources (slots)
  if (cls == "55") return StatusCode::kFailedPrecondition;  // object not in prerequisite state
  if (cls == "40") return StatusCode::kUnavailable;         // serialization/deadlock: retry
  if (cls == "22" || cls == "23" || cls == "42") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

Status ServerError(const std::string& sqlstate, const std::string& message) {
  return Status(ClassifySqlState(sqlstate), message).WithDetail(sqlstate);
}

}  // namespace pgferry::pg
