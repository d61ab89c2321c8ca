// Decoding request bodies: JSON, or YAML (apply patches may be YAML; kubectl sends JSON), into
// nlohmann::json with YAML 1.2 core-schema scalars (quoted scalars stay strings).
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

// Returns false with *error (Go-like wording) when the body is neither valid JSON nor YAML.
bool DecodeBody(const std::string& body, bool allow_yaml, Json* out, std::string* error);

}  // namespace pgferry::fakeapi
