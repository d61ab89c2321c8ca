// Decoding of Kubernetes protobuf request bodies ("k8s\0" + runtime.Unknown) for the built-in
// kinds kubectl's typed clients create: Namespace (kubectl create namespace), Secret (kubectl
// create secret) and ConfigMap (kubectl create configmap). Responses are always JSON, which
// client-go accepts. Other kinds are refused (415) by the caller.
//
// Pure function; thread-safe.
#pragma once

#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

bool IsProtobufContentType(const std::string& content_type);

// Returns false with *error when the body is malformed or of a kind this decoder does not know.
bool DecodeProtobufObject(const std::string& body, Json* out, std::string* error);

}  // namespace pgferry::fakeapi
