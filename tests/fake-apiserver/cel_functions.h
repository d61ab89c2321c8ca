// CEL values and the function library (size, conversions, string and list functions, optionals)
// shared by the CEL evaluator; see cel.h. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

// A CEL value: a JSON value, an error, or an optional (present or absent).
struct CelValue {
  Json v;
  std::string err;  // non-empty: this value is an error
  enum Opt { kPlain, kNone, kSome } opt = kPlain;

  static CelValue Error(std::string e) {
    CelValue r;
    r.err = std::move(e);
    return r;
  }
  static CelValue Of(Json j) {
    CelValue r;
    r.v = std::move(j);
    return r;
  }
  bool is_error() const { return !err.empty(); }
};

// JSON integers read from objects are CEL ints.
Json CelNormalize(const Json& j);
std::string CelTypeOf(const Json& j);
CelValue CelNoOverload(const std::string& fn, const Json& a);

// f(args...) and args[0].f(args[1...]).
CelValue CallGlobal(const std::string& fn, const std::vector<CelValue>& args);
CelValue CallMethod(const std::string& fn, const std::vector<CelValue>& args);

}  // namespace pgferry::fakeapi
