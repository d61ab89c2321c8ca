// Evaluates the x-kubernetes-validations rules of a structural schema against an object (and the
// old object on updates, for transition rules and ratcheting), producing field errors worded like
// apiextensions-apiserver's ("spec.tables: Invalid value: \"object\": <message>").
//
// Compiled programs are cached process-wide behind a mutex; thread-safe.
#pragma once

#include <string>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

// Checks that every rule in `schema` compiles; appends errors naming the rule's schema path
// (e.g. "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule").
void CompileSchemaRules(const Json& schema, const std::string& path, FieldErrors* errors);

void ValidateCelRules(const Json& value, const Json* old, const Json& schema,
                      const std::string& path, FieldErrors* errors);

}  // namespace pgferry::fakeapi
