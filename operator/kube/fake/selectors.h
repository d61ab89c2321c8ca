// Label and field selectors as the API server reads them, for FakeKubeClient.
//
//   labels: "app=x", "app==x", "app!=x", "app", "!app", "tier in (a,b)", "tier notin (a)",
//           comma-separated, all must hold;
//   fields: "metadata.name=x", "metadata.namespace!=y" (=, ==, !=), comma-separated.
// Plain values; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/status.h"
#include "operator/kube/kube_client.h"

namespace pgferry::kube {

class Selector {
 public:
  // An empty text selects everything. Unsupported field labels are kInvalidArgument, as on a
  // real server for custom resources.
  static Result<Selector> Parse(std::string_view labels, std::string_view fields);

  bool Matches(const Json& object) const;

 private:
  enum class Op { kEquals, kNotEquals, kExists, kNotExists, kIn, kNotIn };
  struct Requirement {
    std::string key;
    Op op;
    std::set<std::string> values;
  };
  static Result<std::vector<Requirement>> ParseTerms(std::string_view text, bool fields);
  static bool Holds(const Requirement& r, const std::string* value);

  std::vector<Requirement> labels_;
  std::vector<Requirement> fields_;
};

}  // namespace pgferry::kube
