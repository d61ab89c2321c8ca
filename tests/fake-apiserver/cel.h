// A small Common Expression Language interpreter for CRD x-kubernetes-validations rules: the
// operators, has(), size(), the comprehension macros (all, exists, exists_one, map, filter), the
// string functions Kubernetes enables (startsWith, endsWith, contains, matches, lowerAscii,
// upperAscii, trim, split, indexOf, join, ...), optional field selection (self.?x.orValue(y)), and
// int/uint/double/string/bool conversions, evaluated over JSON values bound to self and oldSelf.
//
// Rules using anything else fail to compile, so a CRD the fake cannot evaluate is refused instead
// of being silently accepted. A compiled CelProgram is immutable and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct CelNode;

class CelProgram {
 public:
  // Parses and checks `expr`. Returns nullptr and sets *error when unsupported or malformed.
  static std::shared_ptr<const CelProgram> Compile(const std::string& expr, std::string* error);

  // Evaluates with `self` (and `old_self`, null when absent). On a runtime error (e.g. "no such
  // key"), returns false and sets *error.
  bool Eval(const Json& self, const Json* old_self, Json* result, std::string* error) const;

  bool references_old_self() const { return uses_old_self_; }

 private:
  std::shared_ptr<const CelNode> root_;
  bool uses_old_self_ = false;
};

}  // namespace pgferry::fakeapi
