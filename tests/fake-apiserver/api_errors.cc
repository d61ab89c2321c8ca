#include "tests/fake-apiserver/api_errors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pgferry::fakeapi {
namespace {

std::string TypeString(FieldErrorType t) {
  switch (t) {
    case FieldErrorType::kRequired: return "Required value";
    case FieldErrorType::kInvalid: return "Invalid value";
    case FieldErrorType::kTypeInvalid: return "Invalid value";
    case FieldErrorType::kNotSupported: return "Unsupported value";
    case FieldErrorType::kTooLong: return "Too long";
    case FieldErrorType::kTooMany: return "Too many";
    case FieldErrorType::kDuplicate: return "Duplicate value";
    case FieldErrorType::kForbidden: return "Forbidden";
    case FieldErrorType::kNotFound: return "Not found";
  }
  return "Invalid value";
}

ApiError Make(int code, const std::string& reason, const std::string& message,
              Json details = nullptr) {
  ApiError e;
  e.code = code;
  e.reason = reason;
  e.message = message;
  e.details = std::move(details);
  return e;
}

}  // namespace

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string GoValueString(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
    // Go's %v: the shortest digits that round-trip, in %e form when exp < -4 || exp >= 6.
    char buf[64];
    int digits = 1;
    for (; digits <= 17; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*e", digits - 1, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    int exp = std::atoi(std::strchr(buf, 'e') + 1);
    if (exp < -4 || exp >= 6) return buf;
    std::snprintf(buf, sizeof buf, "%.*f", std::max(digits - 1 - exp, 0), d);
    return buf;
  }
  if (value.is_null()) return "null";
  return value.dump();
}

std::string FieldError::Reason() const {
  switch (type) {
    case FieldErrorType::kRequired: return "FieldValueRequired";
    case FieldErrorType::kInvalid: return "FieldValueInvalid";
    case FieldErrorType::kTypeInvalid: return "FieldValueTypeInvalid";
    case FieldErrorType::kNotSupported: return "FieldValueNotSupported";
    case FieldErrorType::kTooLong: return "FieldValueTooLong";
    case FieldErrorType::kTooMany: return "FieldValueTooMany";
    case FieldErrorType::kDuplicate: return "FieldValueDuplicate";
    case FieldErrorType::kForbidden: return "FieldValueForbidden";
    case FieldErrorType::kNotFound: return "FieldValueNotFound";
  }
  return "FieldValueInvalid";
}

std::string FieldError::Body() const {
  std::string s = TypeString(type);
  bool show_value = bad_value.has_value() && type != FieldErrorType::kRequired &&
                    type != FieldErrorType::kForbidden && type != FieldErrorType::kTooLong;
  if (!raw_value.empty()) {
    s += ": " + raw_value;
  } else if (show_value) {
    const Json& v = *bad_value;
    if (v.is_null()) {
      s += ": \"null\"";
    } else if (v.is_string()) {
      s += ": " + GoQuote(v.get<std::string>());
    } else if (v.is_number() || v.is_boolean()) {
      s += ": " + GoValueString(v);
    } else {
      s += ": " + v.dump();
    }
  }
  if (!detail.empty()) s += ": " + detail;
  return s;
}

FieldError RequiredError(const std::string& field, const std::string& detail) {
  return FieldError{FieldErrorType::kRequired, field, std::nullopt, detail};
}

FieldError InvalidError(const std::string& field, const Json& value, const std::string& detail) {
  return FieldError{FieldErrorType::kInvalid, field, value, detail};
}

FieldError NotSupportedError(const std::string& field, const Json& value,
                             const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i) detail += ", ";
      detail += GoQuote(supported[i]);
    }
  }
  return FieldError{FieldErrorType::kNotSupported, field, value, detail};
}

FieldError ForbiddenError(const std::string& field, const std::string& detail) {
  return FieldError{FieldErrorType::kForbidden, field, std::nullopt, detail};
}

Json ApiError::ToStatus() const {
  Json s = {{"kind", "Status"},        {"apiVersion", "v1"}, {"metadata", Json::object()},
            {"status", "Failure"},     {"message", message}, {"reason", reason},
            {"code", code}};
  if (!details.is_null() && !details.empty()) s["details"] = details;
  return s;
}

std::string GroupResourceString(const std::string& resource, const std::string& group) {
  return group.empty() ? resource : resource + "." + group;
}

ApiError NotFoundError(const std::string& resource, const std::string& group,
                       const std::string& name) {
  Json details = {{"name", name}, {"kind", resource}};
  if (!group.empty()) details["group"] = group;
  return Make(404, "NotFound", GroupResourceString(resource, group) + " " + GoQuote(name) +
                                   " not found",
              details);
}

ApiError AlreadyExistsError(const std::string& resource, const std::string& group,
                            const std::string& name) {
  Json details = {{"name", name}, {"kind", resource}};
  if (!group.empty()) details["group"] = group;
  return Make(409, "AlreadyExists",
              GroupResourceString(resource, group) + " " + GoQuote(name) + " already exists",
              details);
}

ApiError ConflictError(const std::string& resource, const std::string& group,
                       const std::string& name, const std::string& why) {
  Json details = {{"name", name}, {"kind", resource}};
  if (!group.empty()) details["group"] = group;
  return Make(409, "Conflict",
              "Operation cannot be fulfilled on " + GroupResourceString(resource, group) + " " +
                  GoQuote(name) + ": " + why,
              details);
}

ApiError InvalidObjectError(const std::string& kind, const std::string& group,
                            const std::string& name, const FieldErrors& errors) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  Json causes = Json::array();
  for (const auto& e : errors) {
    causes.push_back({{"reason", e.Reason()}, {"message", e.Body()}, {"field", e.field}});
  }
  std::string message = qualified + " " + GoQuote(name) + " is invalid";
  if (errors.size() == 1) {
    message += ": " + errors[0].ToString();
  } else if (errors.size() > 1) {
    message += ": [";
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i) message += ", ";
      message += errors[i].ToString();
    }
    message += "]";
  }
  Json details = {{"name", name}, {"kind", kind}, {"causes", causes}};
  if (!group.empty()) details["group"] = group;
  return Make(422, "Invalid", message, details);
}

ApiError BadRequestError(const std::string& message) { return Make(400, "BadRequest", message); }

ApiError UnauthorizedError() { return Make(401, "Unauthorized", "Unauthorized"); }

ApiError ForbiddenStatusError(const std::string& message, const std::string& resource,
                              const std::string& group, const std::string& name) {
  Json details = nullptr;
  if (!resource.empty()) {
    details = {{"name", name}, {"kind", resource}};
    if (!group.empty()) details["group"] = group;
  }
  return Make(403, "Forbidden", message, details);
}

ApiError MethodNotAllowedError(const std::string& message) {
  return Make(405, "MethodNotAllowed", message);
}

ApiError UnsupportedMediaTypeError(const std::string& message) {
  return Make(415, "UnsupportedMediaType", message);
}

ApiError NotAcceptableError(const std::string& message) {
  return Make(406, "NotAcceptable", message);
}

ApiError ExpiredError(const std::string& message) { return Make(410, "Expired", message); }

ApiError InternalServerError(const std::string& message) {
  return Make(500, "InternalError", "Internal error occurred: " + message,
              Json{{"causes", Json::array({{{"message", message}}})}});
}

ApiError ResourceNotFoundError() {
  return Make(404, "NotFound", "the server could not find the requested resource",
              Json::object());
}

ApiError GenericInvalidError(const std::string& cause) {
  return Make(422, "Invalid", "the server rejected our request due to an error in our request",
              Json{{"causes", Json::array({{{"reason", "UnexpectedServerResponse"},
                                             {"message", cause}}})}});
}

}  // namespace pgferry::fakeapi
