// Kubernetes API errors as Status values.
//
// The API server answers every failed request with a metav1.Status object (kind "Status", a
// message, a CamelCase reason, an HTTP code and optional causes). This file turns such an
// answer, or any other non-2xx body, into a pgferry Status whose code says what a caller should
// do and whose detail() holds the API reason ("NotFound", "AlreadyExists", "Conflict", "Invalid",
// ...), except for HTTP 410 whose detail is always kReasonGone:
//
//   404 → kNotFound          409 → kConflict (reason AlreadyExists → kAlreadyExists)
//   401 → kUnauthenticated   403 → kPermissionDenied      400/415/422 → kInvalidArgument
//   410 → kFailedPrecondition with detail "Gone": the resourceVersion is too old, relist
//   429, 5xx → kUnavailable (transient)                  anything else → kInternal
//
// Pure functions, safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "operator/common/status.h"

namespace pgferry::kube {

// detail() of every Status made from an HTTP 410 answer or a 410 watch ERROR event.
inline constexpr const char* kReasonGone = "Gone";

// True when a list or watch must start again from a fresh list (HTTP 410, reason Expired/Gone).
bool IsGone(const Status& status);

// The Status for an HTTP answer with code `http_code` and body `body` (usually a metav1.Status).
// `request` ("GET /api/v1/namespaces/x/secrets/y") is used only when the body is not a
// metav1.Status and so carries no message of its own.
Status ApiError(int http_code, std::string_view body, std::string_view request);

// The Status for a metav1.Status object, e.g. the object of a watch ERROR event.
Status ApiErrorFromStatusObject(const nlohmann::json& status_object, int fallback_http_code);

// The code a given HTTP status maps to (see the table above).
StatusCode StatusCodeForHttp(int http_code);

}  // namespace pgferry::kube
