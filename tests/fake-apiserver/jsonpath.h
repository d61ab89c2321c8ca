// The subset of Kubernetes JSONPath used by CRD additionalPrinterColumns: ".a.b", "['a.b']",
// "[0]", "[*]", ".*" and filters like "[?(@.type==\"Ready\")]".
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

// All values the path selects in `obj`. Returns false (with *error) when the path is malformed.
bool EvalJsonPath(const std::string& path, const Json& obj, std::vector<Json>* results,
                  std::string* error);

// True when `path` parses.
bool ValidJsonPath(const std::string& path, std::string* error);

}  // namespace pgferry::fakeapi
