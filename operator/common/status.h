// Status and Result<T>: expected errors as values.
//
// Every fallible operation in pgferry returns a Status (or a Result<T> holding either a value or a
// Status). Exceptions thrown by libraries are caught at the adapter boundary (libpq, yaml-cpp,
// cpprestsdk) and turned into a Status there. The code says what kind of failure it is, so callers
// can decide between retry, fallback and giving up; the message is written for a user to act on.
//
// Immutable value types; safe to copy and to share between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pgferry {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad manifest, command line or input: a user must fix it
  kNotFound,            // an object that should exist does not (Secret, database, table)
  kAlreadyExists,       // an object we wanted to create is there already
  kPermissionDenied,    // the server refused for lack of privilege (SQLSTATE 42501, HTTP 403)
  kUnauthenticated,     // wrong password or token
  kUnavailable,         // could not reach the server, connection lost: transient
  kTimeout,             // a deadline passed
  kFailedPrecondition,  // the server is not set up for what we want (wal_level, slots, ...)
  kConflict,            // optimistic-concurrency conflict (HTTP 409)
  kAborted,             // stopped on request (signal, shutdown)
  kInternal,            // a bug or a server error we cannot classify
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Extra detail (e.g. the SQLSTATE) kept apart from the message a user reads.
  const std::string& detail() const { return detail_; }
  Status WithDetail(std::string detail) const {
    Status s = *this;
    s.detail_ = std::move(detail);
    return s;
  }

  // "context: message", for adding where something failed while keeping the code.
  Status Prefixed(const std::string& context) const {
    if (ok()) return *this;
    Status s = *this;
    s.message_ = context + ": " + message_;
    return s;
  }

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string detail_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}

// Either a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pgferry

#define PGFERRY_CONCAT_INNER(a, b) a##b
#define PGFERRY_CONCAT(a, b) PGFERRY_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not ok.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::pgferry::Status _st = (expr);                  \
    if (!_st.ok()) return _st;                       \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` unwraps a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr)                                      \
  auto PGFERRY_CONCAT(_res_, __LINE__) = (expr);                         \
  if (!PGFERRY_CONCAT(_res_, __LINE__).ok())                             \
    return PGFERRY_CONCAT(_res_, __LINE__).status();                     \
  lhs = std::move(PGFERRY_CONCAT(_res_, __LINE__)).value()
