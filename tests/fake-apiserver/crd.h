// CustomResourceDefinitions: the checks apiextensions-apiserver makes before accepting one (names,
// scope, versions, structural schema, unknown schema keywords, defaults that fit their schema,
// printer columns, CEL rules that compile), the defaults and status it fills in (Established,
// NamesAccepted, acceptedNames, storedVersions), and the ResourceTypes a CRD makes served.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"
#include "tests/fake-apiserver/resource_type.h"

namespace pgferry::fakeapi {

// Fills spec defaults (singular, listKind, conversion strategy).
void DefaultCrd(Json* crd);

// Validation errors for a CRD (after defaulting); `unknown` receives unknown schema keywords as
// field paths (reported like strict decoding errors by the caller).
void ValidateCrd(const Json& crd, FieldErrors* errors, std::vector<std::string>* unknown);

// Sets status.conditions/acceptedNames/storedVersions as a freshly established CRD has them.
void EstablishCrd(Json* crd, const Json* old, const std::string& now);

// One ResourceType per served version.
std::vector<ResourceType> TypesFromCrd(const Json& crd);

}  // namespace pgferry::fakeapi
