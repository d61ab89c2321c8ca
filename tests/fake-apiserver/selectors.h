// Label selectors (k8s.io/apimachinery/pkg/labels: =, ==, !=, in, notin, exists, !exists, gt, lt)
// and field selectors (=, ==, != over a fixed set of field labels per resource type).
//
// Parsed selectors are immutable values; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

class LabelSelector {
 public:
  // Returns false and sets *error (the real server's wording) when the selector is malformed.
  static bool Parse(const std::string& text, LabelSelector* out, std::string* error);
  bool Matches(const Json& labels) const;  // labels: object or null
  bool empty() const { return reqs_.empty(); }

 private:
  struct Requirement {
    std::string key;
    std::string op;  // "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    std::vector<std::string> values;
  };
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  struct Term {
    std::string field;
    bool negate = false;
    std::string value;
  };
  static bool Parse(const std::string& text, FieldSelector* out, std::string* error);
  // `lookup` gives the value of a supported field label for an object.
  bool Matches(const Json& obj,
               const std::function<std::optional<std::string>(const Json&, const std::string&)>&
                   lookup) const;
  const std::vector<Term>& terms() const { return terms_; }
  bool empty() const { return terms_.empty(); }

 private:
  std::vector<Term> terms_;
};

// The value of a dotted path ("involvedObject.name") in an object, as text; nullopt if absent.
std::optional<std::string> DottedPathValue(const Json& obj, const std::string& path);

}  // namespace pgferry::fakeapi
