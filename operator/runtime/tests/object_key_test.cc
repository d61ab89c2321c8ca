// Object keys: "namespace/name", or "name" for cluster-scoped objects.
#include "operator/runtime/object_key.h"

#include <gtest/gtest.h>

namespace pgferry::runtime {
namespace {

TEST(ObjectKeyTest, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey(nlohmann::json{{"metadata", {{"namespace", "ns"}, {"name", "m1"}}}}),
            "ns/m1");
  EXPECT_EQ(ObjectKey(nlohmann::json{{"metadata", {{"name", "crd"}}}}), "crd");
  EXPECT_EQ(ObjectKey(nlohmann::json::object()), "");
}

TEST(ObjectKeyTest, SplitsAtTheFirstSlash) {
  EXPECT_EQ(SplitObjectKey("ns/m1"), (ObjectName{"ns", "m1"}));
  EXPECT_EQ(SplitObjectKey("crd"), (ObjectName{"", "crd"}));
  EXPECT_EQ(ObjectKey(SplitObjectKey("ns/m1")), "ns/m1");
}

}  // namespace
}  // namespace pgferry::runtime
