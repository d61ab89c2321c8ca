// ObjectMeta helpers: server-assigned values (uid, timestamps, generated names) and the metadata
// validation kube-apiserver applies to every object (names, labels, annotations, finalizers,
// owner references), with the real error texts.
//
// Pure functions (the random generators use a thread-local engine); thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

std::string NewUid();
std::string GenerateNameSuffix();                     // 5 characters, like names.SimpleNameGenerator
std::string Rfc3339(std::chrono::system_clock::time_point t);       // 2025-01-01T00:00:00Z
std::string Rfc3339Micro(std::chrono::system_clock::time_point t);  // ...00.000000Z
std::string NowRfc3339();
// Parses RFC 3339 (with optional fraction and offset). Returns false when malformed.
bool ParseRfc3339(const std::string& s, std::chrono::system_clock::time_point* out);

// Kubernetes' HumanDuration ("6s", "5m10s", "3h", "2d", ...).
std::string HumanDuration(std::chrono::seconds d);

// Messages from k8s.io/apimachinery/pkg/util/validation; empty when valid.
std::string Dns1123SubdomainError(const std::string& value);
std::string Dns1123LabelError(const std::string& value);
std::string QualifiedNameError(const std::string& value);
std::string LabelValueError(const std::string& value);

// Validates metadata.{name,generateName,labels,annotations,finalizers,ownerReferences}.
// `name_validator` is "subdomain" (most objects) or "label" (namespaces).
void ValidateObjectMeta(const Json& meta, bool namespaced, const std::string& name_validator,
                        FieldErrors* errors);

// Json access helpers that tolerate missing objects.
const Json& Field(const Json& obj, const char* key);  // null Json when absent
std::string StringField(const Json& obj, const char* key);
Json& EnsureObject(Json& obj, const char* key);

}  // namespace pgferry::fakeapi
