// API errors as kube-apiserver reports them: field errors (k8s.io/apimachinery field.Error, with
// the same "<path>: <Type>: <value>: <detail>" text) and metav1.Status failures with the reason,
// code and details that kubectl turns into its messages.
//
// Plain values; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pgferry::fakeapi {

using Json = nlohmann::json;

enum class FieldErrorType {
  kRequired,
  kInvalid,
  kTypeInvalid,
  kNotSupported,
  kTooLong,
  kTooMany,
  kDuplicate,
  kForbidden,
  kNotFound,
};

struct FieldError {
  FieldError() = default;
  FieldError(FieldErrorType t, std::string f, std::optional<Json> value, std::string d,
             std::string raw = "")
      : type(t), field(std::move(f)), bad_value(std::move(value)), detail(std::move(d)),
        raw_value(std::move(raw)) {}

  FieldErrorType type = FieldErrorType::kInvalid;
  std::string field;
  std::optional<Json> bad_value;  // absent: the body shows no value (Required, Forbidden, ...)
  std::string detail;
  std::string raw_value;  // printed verbatim instead of bad_value (e.g. Go's "0x0")

  std::string Reason() const;  // "FieldValueRequired", ...
  std::string Body() const;    // "Invalid value: 70000: spec.port in body should be ..."
  std::string ToString() const { return field + ": " + Body(); }
};
using FieldErrors = std::vector<FieldError>;

FieldError RequiredError(const std::string& field, const std::string& detail = "");
FieldError InvalidError(const std::string& field, const Json& value, const std::string& detail);
FieldError NotSupportedError(const std::string& field, const Json& value,
                             const std::vector<std::string>& supported);
FieldError ForbiddenError(const std::string& field, const std::string& detail);

// Go's %v for a JSON scalar (ints as ints, floats in %g form, strings unquoted).
std::string GoValueString(const Json& value);
// Go's %q for a string.
std::string GoQuote(const std::string& s);

struct ApiError {
  int code = 500;
  std::string reason;
  std::string message;
  Json details;  // object or null

  Json ToStatus() const;
};

// "pgmigrations.pgferry.io" or "secrets" (a GroupResource as Kubernetes prints it).
std::string GroupResourceString(const std::string& resource, const std::string& group);

ApiError NotFoundError(const std::string& resource, const std::string& group,
                       const std::string& name);
ApiError AlreadyExistsError(const std::string& resource, const std::string& group,
                            const std::string& name);
ApiError ConflictError(const std::string& resource, const std::string& group,
                       const std::string& name, const std::string& why);
ApiError InvalidObjectError(const std::string& kind, const std::string& group,
                            const std::string& name, const FieldErrors& errors);
ApiError BadRequestError(const std::string& message);
ApiError UnauthorizedError();
ApiError ForbiddenStatusError(const std::string& message, const std::string& resource = "",
                              const std::string& group = "", const std::string& name = "");
ApiError MethodNotAllowedError(const std::string& message);
ApiError UnsupportedMediaTypeError(const std::string& message);
ApiError NotAcceptableError(const std::string& message);
ApiError ExpiredError(const std::string& message);
ApiError InternalServerError(const std::string& message);
ApiError ResourceNotFoundError();  // an unknown URL or resource type
ApiError GenericInvalidError(const std::string& cause);  // 422 from a failed JSON patch

}  // namespace pgferry::fakeapi
