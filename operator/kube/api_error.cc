#include "operator/kube/api_error.h"

namespace pgferry::kube {
namespace {

// The reason a real server puts in a Status for each code (apimachinery's reasonForCode).
const char* DefaultReason(int http_code) {
  switch (http_code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return kReasonGone;
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "";
  }
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A 422 names the offending fields in its causes; make sure each one reaches the message.
std::string WithCauses(std::string message, const nlohmann::json& status_object) {
  auto details = status_object.find("details");
  if (details == status_object.end() || !details->is_object()) return message;
  auto causes = details->find("causes");
  if (causes == details->end() || !causes->is_array()) return message;
  std::string missing;
  for (const auto& cause : *causes) {
    if (!cause.is_object()) continue;
    std::string field = StringField(cause, "field");
    std::string text = StringField(cause, "message");
    std::string item = field.empty() ? text : field + ": " + text;
    if (item.empty() || message.find(item) != std::string::npos) continue;
    if (!field.empty() && !text.empty() && message.find(field) != std::string::npos &&
        message.find(text) != std::string::npos)
      continue;
    missing += missing.empty() ? item : "; " + item;
  }
  if (missing.empty()) return message;
  return message.empty() ? missing : message + " (" + missing + ")";
}

std::string Shorten(std::string_view body) {
  std::string text(body.substr(0, 300));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (body.size() > 300) text += "...";
  return text;
}

}  // namespace

bool IsGone(const Status& status) { return !status.ok() && status.detail() == kReasonGone; }

StatusCode StatusCodeForHttp(int http_code) {
  switch (http_code) {
    case 400:
    case 415:
    case 422:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kConflict;
    case 410:
      return StatusCode::kFailedPrecondition;
    case 429:
      return StatusCode::kUnavailable;
    default:
      break;
  }
  if (http_code >= 500 && http_code <= 599) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

Status ApiErrorFromStatusObject(const nlohmann::json& status_object, int fallback_http_code) {
  int http_code = fallback_http_code;
  if (auto it = status_object.find("code"); it != status_object.end() && it->is_number_integer())
    http_code = it->get<int>();
  std::string reason = StringField(status_object, "reason");
  if (reason.empty()) reason = DefaultReason(http_code);
  std::string message = WithCauses(StringField(status_object, "message"), status_object);
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(http_code) : reason;

  StatusCode code = StatusCodeForHttp(http_code);
  if (http_code == 409 && reason == "AlreadyExists") code = StatusCode::kAlreadyExists;
  if (http_code == 410) reason = kReasonGone;  // "Expired" from a watch, "Gone" from a list
  return Status(code, message).WithDetail(reason);
}

Status ApiError(int http_code, std::string_view body, std::string_view request) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && StringField(parsed, "kind") == "Status")
    return ApiErrorFromStatusObject(parsed, http_code);

  std::string message;
  if (http_code == 404) {
    message = "the server could not find the requested resource (" + std::string(request) + ")";
  } else {
    message = "HTTP " + std::to_string(http_code) + " from " + std::string(request);
    std::string text = Shorten(body);
    if (!text.empty()) message += ": " + text;
  }
  std::string reason = DefaultReason(http_code);
  return Status(StatusCodeForHttp(http_code), message).WithDetail(reason);
}

}  // namespace pgferry::kube
