// Unit tests for the names of the objects pgferry creates (reconcilers/names.h).
#include "reconcilers/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace pgferry {
namespace {

using ::testing::MatchesRegex;

TEST(Names, ShortIdIsEightHexDigits) {
  EXPECT_THAT(MigrationShortId("default/orders"), MatchesRegex("[0-9a-f]{8}"));
  EXPECT_THAT(MigrationShortId(""), MatchesRegex("[0-9a-f]{8}"));
  EXPECT_THAT(MigrationShortId("0b5e7c2a-91f4-4f3e-9d55-6c1d2b7c9e10"),
              MatchesRegex("[0-9a-f]{8}"));
}

TEST(Names, ShortIdIsDeterministicAndDependsOnTheSeed) {
  EXPECT_EQ(MigrationShortId("default/orders"), MigrationShortId("default/orders"));
  EXPECT_NE(MigrationShortId("default/orders"), MigrationShortId("default/orders2"));
  EXPECT_NE(MigrationShortId("default/orders"), MigrationShortId("prod/orders"));
}

TEST(Names, NamesAreStableAcrossReleases) {
  // Objects made by an earlier run must be found again: pin the exact values (64-bit FNV-1a).
  EXPECT_EQ(MigrationShortId("default/orders"), "98846f80");
  EXPECT_EQ(ReplicationObjectName("98846f80", "app"), "pgferry_98846f80_fa510dedf436");
}

TEST(Names, ObjectNameHasThePrefixAndFitsPostgresIdentifiers) {
  const std::string id = MigrationShortId("ns/migration");
  const std::string long_db(200, 'X');
  for (const std::string& db : {std::string("app"), std::string("App DB \"quoted\""),
                                std::string("Zürich-日本"), long_db, std::string("")}) {
    std::string name = ReplicationObjectName(id, db);
    EXPECT_LE(name.size(), 63u) << db;
    EXPECT_THAT(name, MatchesRegex("[a-z0-9_]+")) << db;
    EXPECT_EQ(name.rfind(ReplicationObjectPrefix(id), 0), 0u) << name;
  }
}

TEST(Names, PrefixIsPgferryAndTheShortId) {
  EXPECT_EQ(ReplicationObjectPrefix("1a2b3c4d"), "pgferry_1a2b3c4d_");
}

TEST(Names, SameInputsGiveTheSameName) {
  const std::string id = MigrationShortId("ns/m");
  EXPECT_EQ(ReplicationObjectName(id, "app"), ReplicationObjectName(id, "app"));
}

TEST(Names, DifferentDatabasesGetDifferentNames) {
  const std::string id = MigrationShortId("ns/m");
  std::set<std::string> seen;
  for (const std::string db : {"app", "App", "app ", "billing", "app_1", "app_2", "postgres", ""})
    EXPECT_TRUE(seen.insert(ReplicationObjectName(id, db)).second) << db;
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(seen.insert(ReplicationObjectName(id, "db" + std::to_string(i))).second) << i;
}

TEST(Names, DifferentMigrationsGetDifferentNamesForOneDatabase) {
  EXPECT_NE(ReplicationObjectName(MigrationShortId("ns/a"), "app"),
            ReplicationObjectName(MigrationShortId("ns/b"), "app"));
}

}  // namespace
}  // namespace pgferry
