// Base64 as Kubernetes uses it for Secret `data` (standard alphabet, `=` padding required;
// line breaks are ignored, like Go's base64.StdEncoding). Pure function: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgferry::manifest {

// The decoded bytes, or nullopt when `text` is not valid base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace pgferry::manifest
