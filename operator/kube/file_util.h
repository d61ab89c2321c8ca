// Small file and text helpers for operator/kube (internal). Thread-safe, no state.
#pragma once

#include <string>
#include <string_view>

#include "operator/common/status.h"

namespace pgferry::kube {

// The whole file; kNotFound when it does not exist, kPermissionDenied when it cannot be read.
// Messages name the file.
Result<std::string> ReadTextFile(const std::string& path);

// `text` without leading and trailing whitespace.
std::string TrimSpace(std::string_view text);

// Standard base64 (RFC 4648, padding optional, whitespace ignored).
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace pgferry::kube
