#include "operator/kube/resource.h"

#include <gtest/gtest.h>

namespace pgferry::kube {
namespace {

TEST(ResourcePath, CoreGroupLivesUnderApiV1) {
  EXPECT_EQ(ResourcePath(SecretsResource(), "default", "db-creds"),
            "/api/v1/namespaces/default/secrets/db-creds");
  EXPECT_EQ(ResourcePath(EventsResource(), "ns1"), "/api/v1/namespaces/ns1/events");
}

TEST(ResourcePath, NamedGroupsLiveUnderApis) {
  EXPECT_EQ(ResourcePath(LeasesResource(), "kube-system", "pgferry"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/pgferry");
  EXPECT_EQ(ResourcePath(PgMigrationsResource(), "apps", "orders", "status"),
            "/apis/pgferry.io/v1alpha1/namespaces/apps/pgmigrations/orders/status");
}

TEST(ResourcePath, EmptyNamespaceMeansClusterScopedOrAllNamespaces) {
  EXPECT_EQ(ResourcePath(PgMigrationsResource()), "/apis/pgferry.io/v1alpha1/pgmigrations");
  Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions"};
  EXPECT_EQ(ResourcePath(crds, "", "pgmigrations.pgferry.io"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pgmigrations.pgferry.io");
}

TEST(ResourcePath, SubresourceNeedsAName) {
  EXPECT_EQ(ResourcePath(SecretsResource(), "ns", "", "status"), "/api/v1/namespaces/ns/secrets");
}

TEST(ResourcePath, SegmentsAreEscapedSoANameCannotChangeThePath) {
  EXPECT_EQ(ResourcePath(SecretsResource(), "ns", "../x y"),
            "/api/v1/namespaces/ns/secrets/..%2Fx%20y");
}

TEST(Resource, ApiVersionAndQualifiedName) {
  EXPECT_EQ(SecretsResource().ApiVersion(), "v1");
  EXPECT_EQ(LeasesResource().ApiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(PgMigrationsResource().QualifiedName(), "pgmigrations.pgferry.io");
  EXPECT_EQ(SecretsResource().QualifiedName(), "secrets");
}

TEST(QueryString, EncodesValuesAndSkipsEmptyOnes) {
  EXPECT_EQ(QueryString({}), "");
  EXPECT_EQ(QueryString({{"labelSelector", ""}}), "");
  EXPECT_EQ(QueryString({{"watch", "true"},
                         {"labelSelector", "app=pgferry,tier in (a,b)"},
                         {"fieldSelector", ""},
                         {"resourceVersion", "42"}}),
            "?watch=true&labelSelector=app%3Dpgferry%2Ctier%20in%20%28a%2Cb%29&resourceVersion=42");
}

}  // namespace
}  // namespace pgferry::kube
